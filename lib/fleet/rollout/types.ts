// The PlexdRollout resource as the API server stores it, and what a rollout needs to know of a Node.

import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { Condition, LabelSelector, LabelSelectorRequirement, PlexdHookSpec } from "../../core/types.ts";

export type { LabelSelector, LabelSelectorRequirement };

/** A count, or a percentage of the rollout's nodes ("25%"). */
export type IntOrPercent = number | string;

interface RolloutStrategy {
  maxParallel?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
  failureBudget?: IntOrPercent;
  batches?: IntOrPercent[];
  partitionBy?: string;
  settleSeconds?: number;
}

export interface RolloutWindow {
  schedule: string;
  duration: string;
  timeZone?: string;
  cutoff?: string;
}

type NewNodes = "Ignore" | "Join";

export interface PlexdRolloutSpec {
  nodeSelector: LabelSelector;
  template: Omit<PlexdHookSpec, "nodeName">;
  strategy?: RolloutStrategy;
  window?: RolloutWindow;
  paused?: boolean;
  abort?: boolean;
  newNodes?: NewNodes;
}

export type RolloutPhase = "Pending" | "Progressing" | "Waiting" | "Paused" | "Succeeded" | "Failed";

export interface FailedNode {
  node: string;
  hook: string;
  /** HookCreateRefused: the API server refused to create the node's hook; absent when the hook ran and failed. */
  reason?: string;
  exitCode?: number;
  message?: string;
  completedAt?: string;
}

export interface PlexdRolloutStatus {
  phase?: RolloutPhase;
  observedGeneration?: number;
  startedAt?: string;
  completedAt?: string;
  /** The nodes recorded at the start, in the order they run. */
  nodes?: string[];
  selected?: number;
  pending?: number;
  running?: number;
  succeeded?: number;
  failed?: number;
  skipped?: number;
  batch?: number;
  batches?: number;
  partition?: string;
  nextWindowStart?: string;
  failedNodes?: FailedNode[];
  conditions?: Condition[];
}

export interface PlexdRollout {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec: PlexdRolloutSpec;
  status?: PlexdRolloutStatus;
}

/** What a rollout reads of a Node. */
export interface RolloutNode {
  name: string;
  labels: Record<string, string>;
  /** The Ready condition is True. */
  ready: boolean;
  /** When the Ready condition last changed (ISO time), if known. */
  readySince?: string;
  /** Cordoned (spec.unschedulable). */
  unschedulable: boolean;
}
