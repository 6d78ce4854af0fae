// Pure status derivation: a hook's status from its Job (and, on failure, its pods), never backwards.

import type { CoreV1Event, V1JobCondition } from "@kubernetes/client-node";
import { CONTAINER_NAME } from "../constants.ts";
import { CONDITION_JOB_CREATED, CONDITION_SUCCEEDED, setCondition } from "./conditions.ts";
import type { Job, Phase, PlexdHook, PlexdHookStatus, Pod } from "./types.ts";

const RANK: Record<Phase, number> = { Pending: 0, Running: 1, Succeeded: 2, Failed: 2 };

export function isTerminal(phase: Phase | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** The status once the hook's Job exists: Pending, keeping an earlier startedAt. */
export function pendingStatus(hook: PlexdHook, jobName: string, nodeName: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  return {
    ...current,
    jobName,
    phase: current.phase ?? "Pending",
    startedAt: current.startedAt ?? now.toISOString(),
    nodeName,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(
      current.conditions,
      { type: CONDITION_JOB_CREATED, status: "True", reason: "JobCreated", message: `Job ${jobName} created` },
      now,
    ),
  };
}

/** The status of a hook that cannot run: Failed with a message that says what to change. */
export function failedStatus(hook: PlexdHook, reason: string, message: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  let conditions = setCondition(current.conditions, { type: CONDITION_JOB_CREATED, status: "False", reason, message }, now);
  conditions = setCondition(conditions, { type: CONDITION_SUCCEEDED, status: "False", reason, message }, now);
  return {
    ...current,
    phase: "Failed",
    message,
    startedAt: current.startedAt ?? now.toISOString(),
    completedAt: current.completedAt ?? now.toISOString(),
    observedGeneration: hook.metadata.generation,
    conditions,
  };
}

/** The status of a hook aimed at a node where no controller has taken it: still Pending, saying what to check. */
export function unclaimedStatus(hook: PlexdHook, waitedSeconds: number, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  const node = hook.spec.nodeName;
  const message = `No plexd-hook controller has taken this hook in ${waitedSeconds} s: check that node ${node} exists and runs the plexd-hook DaemonSet`;
  return {
    ...current,
    phase: "Pending",
    message,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(
      current.conditions,
      { type: CONDITION_JOB_CREATED, status: "False", reason: "NoController", message },
      now,
    ),
  };
}

function jobCondition(job: Job, type: string): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

export const jobFailed = (job: Job): boolean => jobCondition(job, "Failed") !== undefined;
export const jobFinished = (job: Job): boolean => jobCondition(job, "Complete") !== undefined || jobFailed(job);

function timeOf(value: Date | string | undefined, fallback: Date): string {
  if (value === undefined) return fallback.toISOString();
  return new Date(value).toISOString();
}

/** "container hook exited with code 3 (Error)" for the first pod whose container failed, if any. */
export function exitSummary(pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const terminated = status.state?.terminated ?? status.lastState?.terminated;
      if (status.name === CONTAINER_NAME && terminated && terminated.exitCode !== 0) {
        const why = terminated.reason ? ` (${terminated.reason})` : "";
        const said = terminated.message ? `: ${terminated.message.trim()}` : "";
        return `container ${status.name} in pod ${pod.metadata?.name} exited with code ${terminated.exitCode}${why}${said}`;
      }
    }
  }
  return undefined;
}

/** Why a pod of the hook has not started: unschedulable, or its container waiting (e.g. on an image pull). */
export function pendingSummary(pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    const name = pod.metadata?.name;
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      return `pod ${name} cannot be scheduled: ${scheduled.message ?? scheduled.reason}`;
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

/** The Job controller's latest FailedCreate Event: why it cannot make the pod (quota, Pod Security, no ServiceAccount). */
export function createFailure(jobEvents: readonly CoreV1Event[]): string | undefined {
  const failures = jobEvents.filter((e) => e.reason === "FailedCreate" && e.message);
  const latest = failures.toSorted((a, b) => eventTime(b) - eventTime(a))[0];
  return latest && `the Job cannot create its pod: ${latest.message}`;
}

function eventTime(event: CoreV1Event): number {
  return new Date(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? 0).getTime();
}

interface Observed {
  phase: Phase;
  message?: string;
  completedAt?: string;
  reason: string;
}

function observe(job: Job, pods: readonly Pod[], jobEvents: readonly CoreV1Event[], now: Date): Observed {
  const complete = jobCondition(job, "Complete");
  if (complete) {
    return {
      phase: "Succeeded",
      reason: "JobSucceeded",
      message: `Job ${job.metadata?.name} succeeded`,
      completedAt: timeOf(job.status?.completionTime ?? complete.lastTransitionTime, now),
    };
  }
  const failed = jobCondition(job, "Failed");
  if (failed) {
    const parts = [`Job ${job.metadata?.name} failed`, failed.reason, failed.message, exitSummary(pods)];
    return {
      phase: "Failed",
      reason: failed.reason || "JobFailed",
      message: parts.filter(Boolean).join(": "),
      completedAt: timeOf(failed.lastTransitionTime, now),
    };
  }
  if ((job.status?.ready ?? 0) > 0) return { phase: "Running", reason: "PodRunning" };
  const stuck = pendingSummary(pods) ?? ((job.status?.active ?? 0) === 0 ? createFailure(jobEvents) : undefined);
  return { phase: "Pending", reason: stuck ? "PodNotStarting" : "PodPending", message: stuck };
}

/**
 * The hook's status given its Job. Status never moves backwards: a late or repeated Job event that
 * says less than the hook already knows leaves the status as it is.
 */
export function deriveStatus(
  hook: PlexdHook,
  job: Job,
  pods: readonly Pod[],
  now: Date,
  jobEvents: readonly CoreV1Event[] = [],
): PlexdHookStatus {
  const current = hook.status ?? {};
  if (isTerminal(current.phase)) return current;
  const seen = observe(job, pods, jobEvents, now);
  if (current.phase && RANK[seen.phase] < RANK[current.phase]) return current;
  const next: PlexdHookStatus = {
    ...current,
    jobName: current.jobName ?? job.metadata?.name,
    phase: seen.phase,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(
      current.conditions,
      {
        type: CONDITION_SUCCEEDED,
        status: seen.phase === "Succeeded" ? "True" : seen.phase === "Failed" ? "False" : "Unknown",
        reason: seen.reason,
        message: seen.message ?? `Job ${job.metadata?.name} is ${seen.phase.toLowerCase()}`,
      },
      now,
    ),
  };
  // The seed sets message on failure; a Pending hook also says why its pod does not start.
  if (seen.message) next.message = seen.message;
  else delete next.message;
  if (seen.completedAt) next.completedAt = seen.completedAt;
  return next;
}
