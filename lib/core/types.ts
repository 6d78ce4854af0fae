// The PlexdHook resource as the API server stores it.

import type { V1Job, V1Node, V1ObjectMeta, V1Pod } from "@kubernetes/client-node";

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

/** A key of a ConfigMap or Secret in the hook's namespace (core/v1 ConfigMapKeySelector, SecretKeySelector). */
export interface KeyRef {
  name: string;
  key: string;
  /** true: a missing object or key leaves the variable unset instead of holding the pod back. */
  optional?: boolean;
}

/** Exactly one of the two, as in a container's env valueFrom. */
export interface ParameterSource {
  configMapKeyRef?: KeyRef;
  secretKeyRef?: KeyRef;
}

/** Exactly one of value (inline) and valueFrom (read by the kubelet from a ConfigMap or Secret). */
export interface HookParameter {
  name: string;
  value?: string;
  valueFrom?: ParameterSource;
}

interface JobTemplate {
  image?: string;
  command?: string[];
  args?: string[];
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

type UncordonPolicy = "IfCordonedByUs" | "Never";

/** spec.drain: move the node's workloads away before the hook runs (the fleet controller does it). */
export interface DrainSpec {
  enabled: boolean;
  /** Defaulted by the API server to 600. */
  timeoutSeconds?: number;
  /** Omitted: each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  deleteEmptyDirData?: boolean;
  podSelector?: LabelSelector;
  /** Defaulted by the API server to IfCordonedByUs. */
  uncordon?: UncordonPolicy;
}

/** @internal The drain's stages, in the order a drain passes them; the CRD's enum lists the same. */
export const DRAIN_STAGES = ["Idle", "Cordon", "Drain", "Blocked", "Complete", "TimedOut", "Released"] as const;
export type DrainStage = (typeof DRAIN_STAGES)[number];

/** status.drain. */
export interface DrainStatus {
  stage: DrainStage;
  /** The node drained; a hook moved to another node before its Job starts drains that one afresh. */
  nodeName?: string;
  message?: string;
  /** When the Cordon stage began; timeoutSeconds counts from here. */
  startedAt?: string;
  /** When the node was found drained (the Complete stage). */
  drainedAt?: string;
  podsLeft?: number;
  /** namespace/name of the pod that holds the drain back. */
  blockingPod?: string;
  blockingReason?: string;
}

export interface PlexdHookSpec {
  hookName: string;
  jobTemplate?: JobTemplate;
  parameters?: HookParameter[];
  privileged?: boolean;
  /** Opt-in (guarded at admission) to run on a control-plane node; otherwise the Job avoids them. */
  allowControlPlane?: boolean;
  nodeName?: string;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  ttlSecondsAfterFinished?: number;
  /** Keep the end of the container's log in status.output (opt-in: tailLines 0 or unset keeps none). */
  output?: { tailLines?: number; maxBytes?: number };
  drain?: DrainSpec;
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PlexdHookStatus {
  jobName?: string;
  phase?: Phase;
  message?: string;
  startedAt?: string;
  completedAt?: string;
  nodeName?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  /** Exit code of the hook's container when it failed with one. */
  exitCode?: number;
  /** The end of the container's log, when spec.output asks for it. */
  output?: string;
  drain?: DrainStatus;
}

export interface PlexdHook {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec: PlexdHookSpec;
  status?: PlexdHookStatus;
}

export type Job = V1Job;
export type Pod = V1Pod;
export type Node = V1Node;
