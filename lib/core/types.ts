// The PlexdHook resource as the API server stores it.

import type { V1Job, V1ObjectMeta, V1Pod } from "@kubernetes/client-node";

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface HookParameter {
  name: string;
  value: string;
}

export interface JobTemplate {
  image?: string;
  command?: string[];
  args?: string[];
}

export interface PlexdHookSpec {
  hookName: string;
  jobTemplate?: JobTemplate;
  parameters?: HookParameter[];
  privileged?: boolean;
  nodeName?: string;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  ttlSecondsAfterFinished?: number;
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
