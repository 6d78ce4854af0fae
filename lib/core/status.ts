// Pure status decisions: from the hook's Job, on failure, or when no controller took it; never backwards.

import type { CoreV1Event } from "@kubernetes/client-node";
import { LABEL_HOSTNAME } from "../constants.ts";
import { CONDITION_JOB_CREATED, CONDITION_SUCCEEDED, setCondition } from "./conditions.ts";
import { configErrorSummary } from "./config-refs.ts";
import { observeJob } from "./job-state.ts";
import {
  REASON_ASSIGNED,
  REASON_JOB_CREATED,
  REASON_JOB_CREATING,
  REASON_NO_CONTROLLER,
  REASON_NO_READY_NODE,
  REASON_POD_NOT_STARTING,
} from "./reasons.ts";
import type { Job, Phase, PlexdHook, PlexdHookStatus, Pod } from "./types.ts";

const RANK: Record<Phase, number> = { Pending: 0, Running: 1, Succeeded: 2, Failed: 2 };

export function isTerminal(phase: Phase | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
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

/**
 * Failed after its Job was created, without the Job's outcome (the Job deleted before it ended, the node
 * lost): JobCreated stays as it was, and only the Succeeded condition says why it ended.
 */
export function failedAfterJobStatus(hook: PlexdHook, reason: string, message: string, now: Date): PlexdHookStatus {
  const conditions = setCondition(hook.status?.conditions, { type: CONDITION_SUCCEEDED, status: "False", reason, message }, now);
  return { ...failedStatus(hook, reason, message, now), conditions };
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
      { type: CONDITION_JOB_CREATED, status: "False", reason: REASON_NO_CONTROLLER, message },
      now,
    ),
  };
}

/**
 * An untargeted hook given to a node by the fleet controller: status.nodeName names it, and that node's
 * agent takes the hook from there (its watch selects hooks by status.nodeName).
 */
export function assignedStatus(hook: PlexdHook, nodeName: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  const message = `Assigned to node ${nodeName}, whose plexd-hook agent is ready`;
  return {
    ...current,
    phase: "Pending",
    message,
    nodeName,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(
      current.conditions,
      { type: CONDITION_JOB_CREATED, status: "False", reason: REASON_ASSIGNED, message },
      now,
    ),
  };
}

/** An untargeted hook no node can take now: still Pending, saying why; the fleet controller tries again. */
export function noReadyNodeStatus(hook: PlexdHook, why: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  const message = `Waiting for a node to run on: ${why}`;
  return {
    ...current,
    phase: "Pending",
    message,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(
      current.conditions,
      { type: CONDITION_JOB_CREATED, status: "False", reason: REASON_NO_READY_NODE, message },
      now,
    ),
  };
}

/**
 * The claim written before the Job is created: the status names the Job (so no later reconcile, here or
 * after a crash, creates it again) with JobCreated Unknown until the Job is seen.
 */
export function claimedStatus(hook: PlexdHook, jobName: string, nodeName: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  const message = `Creating Job ${jobName} on node ${nodeName}`;
  return {
    ...current,
    jobName,
    phase: "Pending",
    startedAt: current.startedAt ?? now.toISOString(),
    nodeName,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(
      current.conditions,
      { type: CONDITION_JOB_CREATED, status: "Unknown", reason: REASON_JOB_CREATING, message },
      now,
    ),
  };
}

/**
 * Whether the status says the hook's pod cannot be made or started (and why, in its message). The
 * controller then records a Warning at each look, as the kubelet repeats its pull failures: the
 * recorder keeps the repeats as one Event whose count rises.
 */
export function notStarting(status: PlexdHookStatus): boolean {
  const succeeded = status.conditions?.find((c) => c.type === CONDITION_SUCCEEDED);
  return status.phase === "Pending" && succeeded?.reason === REASON_POD_NOT_STARTING && Boolean(status.message);
}

/** Whether the hook is claimed but its Job has not been seen yet. */
export function isClaimOnly(hook: PlexdHook): boolean {
  const created = hook.status?.conditions?.find((c) => c.type === CONDITION_JOB_CREATED);
  return Boolean(hook.status?.jobName) && created?.reason === REASON_JOB_CREATING;
}

/** What is known besides the Job; pods and Events are read only when they can explain something. */
export interface Evidence {
  /** The Job's pods: a failed one's exit code, or why none starts. */
  pods?: readonly Pod[];
  /** The Job's Events: why the Job controller cannot create its pod. */
  jobEvents?: readonly CoreV1Event[];
  /** Where the Job was meant to run; recorded when the Job itself does not say (no hostname nodeSelector). */
  node?: string;
}

/** @internal The status once the hook's Job exists (or is asked for): Pending, keeping an earlier startedAt and a later phase. */
export function pendingStatus(hook: PlexdHook, jobName: string, nodeName: string | undefined, now: Date): PlexdHookStatus {
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
      { type: CONDITION_JOB_CREATED, status: "True", reason: REASON_JOB_CREATED, message: `Job ${jobName} created` },
      now,
    ),
  };
}

/**
 * The hook's status given its Job, in one call: the first time, it records the Job (see pendingStatus);
 * then it follows the Job's progress. Status never moves backwards: a late or repeated Job event that says
 * less than the hook already knows leaves the status as it is.
 */
export function deriveStatus(hook: PlexdHook, job: Job, now: Date, evidence: Evidence = {}): PlexdHookStatus {
  if (isTerminal(hook.status?.phase)) return hook.status ?? {};
  // The first time, the hook records its Job and where it really runs (an earlier leader may have pinned it elsewhere).
  const ranOn = job.spec?.template.spec?.nodeSelector?.[LABEL_HOSTNAME] ?? evidence.node;
  const recorded = hook.status?.jobName && !isClaimOnly(hook);
  const current = recorded ? (hook.status as PlexdHookStatus) : pendingStatus(hook, job.metadata?.name ?? "", ranOn, now);
  const seen = observeJob(job, evidence.pods ?? [], evidence.jobEvents ?? [], now);
  // A pod held back by a parameter's missing ConfigMap or Secret: name it, in the words the webhook uses.
  const missing = seen.phase === "Pending" ? configErrorSummary(hook, evidence.pods ?? []) : undefined;
  if (missing) seen.message = missing;
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
  // A failed hook says why; so does a Pending one whose pod does not start. Otherwise no message lingers.
  if (seen.message) next.message = seen.message;
  else delete next.message;
  if (seen.completedAt) next.completedAt = seen.completedAt;
  if (seen.exitCode !== undefined) next.exitCode = seen.exitCode;
  return next;
}
