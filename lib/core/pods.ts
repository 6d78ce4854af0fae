// Which pod of a hook's Job to read: selected by the Job's uid label, the latest attempt first.

import type { Job, Pod } from "./types.ts";

/** The Job controller labels a Job's pods with the Job's uid; unlike its name, no other Job can share it. */
export const LABEL_JOB_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";

/** The label selector of `job`'s pods, or undefined for a Job not yet created (no uid). */
export function podSelector(job: Job): string | undefined {
  return job.metadata?.uid ? `${LABEL_JOB_CONTROLLER_UID}=${job.metadata.uid}` : undefined;
}

/** The most recently created pod: a Job with retries leaves the earlier attempts' pods behind. */
export function newestPod(pods: readonly Pod[]): Pod | undefined {
  const created = (pod: Pod): number => Date.parse(String(pod.metadata?.creationTimestamp ?? 0)) || 0;
  return pods.toSorted((a, b) => created(b) - created(a))[0];
}
