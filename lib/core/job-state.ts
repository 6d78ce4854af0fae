// What a Job says about the hook it runs: finished or not, and why it failed or has not started.

import type { CoreV1Event, V1JobCondition } from "@kubernetes/client-node";
import { CONTAINER_NAME, LABEL_HOSTNAME } from "../constants.ts";
import {
  REASON_JOB_FAILED,
  REASON_JOB_SUCCEEDED,
  REASON_POD_NOT_STARTING,
  REASON_POD_PENDING,
  REASON_POD_RUNNING,
} from "./reasons.ts";
import type { Job, Phase, Pod } from "./types.ts";

function jobCondition(job: Job, type: string): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

export const jobFailed = (job: Job): boolean => jobCondition(job, "Failed") !== undefined;
export const jobFinished = (job: Job): boolean => jobCondition(job, "Complete") !== undefined || jobFailed(job);

function timeOf(value: Date | string | undefined, fallback: Date): string {
  if (value === undefined) return fallback.toISOString();
  return new Date(value).toISOString();
}

/** The first pod whose hook container ended with a non-zero exit code, and how it ended. */
function failedContainer(pods: readonly Pod[]) {
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const terminated = status.state?.terminated ?? status.lastState?.terminated;
      if (status.name === CONTAINER_NAME && terminated && terminated.exitCode !== 0) return { pod, terminated };
    }
  }
  return undefined;
}

/** @internal "container hook exited with code 3 (Error)" for the first pod whose container failed, if any. */
export function exitSummary(pods: readonly Pod[]): string | undefined {
  const failed = failedContainer(pods);
  if (!failed) return undefined;
  const { pod, terminated } = failed;
  const why = terminated.reason ? ` (${terminated.reason})` : "";
  const said = terminated.message ? `: ${terminated.message.trim()}` : "";
  return `container ${CONTAINER_NAME} in pod ${pod.metadata?.name} exited with code ${terminated.exitCode}${why}${said}`;
}

/** @internal Why a pod of the hook has not started: unschedulable, or its container waiting (e.g. on an image pull). */
export function pendingSummary(pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    const name = pod.metadata?.name;
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      return `pod ${name} cannot be scheduled: ${scheduled.message ?? scheduled.reason}${pinHint(pod, scheduled.message)}`;
    }
    for (const status of pod.status?.containerStatuses ?? []) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && waiting.reason !== "ContainerCreating" && waiting.reason !== "PodInitializing") {
        return `container ${status.name} in pod ${name} is waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
      }
    }
  }
  return undefined;
}

/**
 * When the scheduler says no node matched the pod's selector, the likely cause: the node's
 * kubernetes.io/hostname label is not its name (the seed pins by that label, which the fleet controller
 * reports at once only when it sees the hook before a node agent made its Job).
 */
function pinHint(pod: Pod, message: string | undefined): string {
  const pinned = pod.spec?.nodeSelector?.[LABEL_HOSTNAME];
  if (!pinned || !message?.includes("node affinity/selector")) return "";
  return `; the Job is pinned with the nodeSelector ${LABEL_HOSTNAME}=${pinned}: check that node ${pinned} carries that label (a node whose label differs from its name cannot be targeted by name)`;
}

/** @internal The Job controller's latest FailedCreate Event: why it cannot make the pod (quota, Pod Security, no ServiceAccount). */
export function createFailure(jobEvents: readonly CoreV1Event[]): string | undefined {
  const failures = jobEvents.filter((e) => e.reason === "FailedCreate" && e.message);
  const latest = failures.toSorted((a, b) => eventTime(b) - eventTime(a))[0];
  return latest && `the Job cannot create its pod: ${latest.message}`;
}

function eventTime(event: CoreV1Event): number {
  return new Date(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? 0).getTime();
}

/** The phase a Job implies, with the reason of the Succeeded condition. */
export interface Observed {
  phase: Phase;
  message?: string;
  completedAt?: string;
  reason: string;
  /** The failed container's exit code, for status.exitCode. */
  exitCode?: number;
}

export function observeJob(job: Job, pods: readonly Pod[], jobEvents: readonly CoreV1Event[], now: Date): Observed {
  const complete = jobCondition(job, "Complete");
  if (complete) {
    return {
      phase: "Succeeded",
      reason: REASON_JOB_SUCCEEDED,
      message: `Job ${job.metadata?.name} succeeded`,
      completedAt: timeOf(job.status?.completionTime ?? complete.lastTransitionTime, now),
    };
  }
  const failed = jobCondition(job, "Failed");
  if (failed) {
    const parts = [`Job ${job.metadata?.name} failed`, failed.reason, failed.message, exitSummary(pods)];
    return {
      phase: "Failed",
      reason: failed.reason || REASON_JOB_FAILED,
      message: parts.filter(Boolean).join(": "),
      completedAt: timeOf(failed.lastTransitionTime, now),
      exitCode: failedContainer(pods)?.terminated.exitCode,
    };
  }
  if ((job.status?.ready ?? 0) > 0) return { phase: "Running", reason: REASON_POD_RUNNING };
  const stuck = pendingSummary(pods) ?? ((job.status?.active ?? 0) === 0 ? createFailure(jobEvents) : undefined);
  return { phase: "Pending", reason: stuck ? REASON_POD_NOT_STARTING : REASON_POD_PENDING, message: stuck };
}
