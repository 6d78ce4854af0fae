// The sync and finalize hooks: the desired Job and the whole status of one PlexdHook, from the shared pure core.

import { LABEL_HOSTNAME } from "../constants.ts";
import { buildJob } from "../core/build-job.ts";
import { CONDITION_JOB_CREATED, CONDITION_SUCCEEDED, setCondition } from "../core/conditions.ts";
import { configRefs } from "../core/config-refs.ts";
import { jobFinished } from "../core/job-state.ts";
import { jobNameFor } from "../core/names.ts";
import { REASON_INVALID_SPEC, REASON_JOB_MISSING } from "../core/reasons.ts";
import { deriveStatus, failedStatus, isTerminal, pendingStatus } from "../core/status.ts";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import { jobPods, missingRef, nodeExists } from "./related.ts";
import { type FinalizeResponse, hookVersion, objectsOf, type SyncRequest, type SyncResponse } from "./wire.ts";

export const REASON_NODE_NAME_REQUIRED = "NodeNameRequired";
export const REASON_NODE_NOT_FOUND = "NodeNotFound";
export const REASON_PARAMETER_SOURCE_MISSING = "ParameterSourceMissing";

/** A non-terminal hook is looked at again this often even if no watched object changes. */
export const RESYNC_SECONDS = 30;

const nodeNameRequired = (hook: PlexdHook) =>
  `spec.nodeName is required when plexd-hook runs under Metacontroller (no controller's node to fall back on): delete PlexdHook ${hook.metadata.name} and create it again with spec.nodeName`;

/** Pending without a Job: what it waits for, in the message and the JobCreated condition. */
function waitingStatus(hook: PlexdHook, reason: string, message: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  return {
    ...current,
    phase: "Pending",
    message,
    observedGeneration: hook.metadata.generation,
    conditions: setCondition(current.conditions, { type: CONDITION_JOB_CREATED, status: "False", reason, message }, now),
  };
}

/** The status once the Job is seen: the native controller's create-then-track path, in one step. */
function statusWithJob(request: SyncRequest, job: Job, node: string, now: Date): PlexdHookStatus {
  const hook = request.parent;
  const pods = jobPods(request.related, hook.metadata.namespace, job.metadata?.name ?? "", job.metadata?.uid);
  return deriveStatus(hook, job, now, { pods, node });
}

/** The child to return for an existing Job: as built (OnDelete leaves it as it is), or as observed if it cannot be built. */
function keep(hook: PlexdHook, job: Job, node: string): Job {
  try {
    return buildJob(hook, node);
  } catch {
    const { status: _status, ...observed } = job;
    return observed;
  }
}

/** The hook's Job among the children Metacontroller claimed for it. */
function observedJob(request: SyncRequest): Job | undefined {
  const jobName = jobNameFor(request.parent.metadata.name);
  return objectsOf<Job>(request.children, "batch/v1", "Job").find((j) => j.metadata?.name === jobName);
}

function respond(status: PlexdHookStatus, children: Job[]): SyncResponse {
  return { status, children, resyncAfterSeconds: isTerminal(status.phase) ? 0 : RESYNC_SECONDS };
}

/**
 * What the hook should have. An existing Job is always returned (Metacontroller deletes children a
 * response leaves out, which would kill a running task); a new one only while the hook is neither
 * finished nor waiting, and never while finalizing.
 */
export function sync(request: SyncRequest, now: Date): SyncResponse {
  const hook = request.parent;
  const jobName = jobNameFor(hook.metadata.name);
  const job = observedJob(request);
  if (job) {
    const node = job.spec?.template?.spec?.nodeSelector?.[LABEL_HOSTNAME] ?? hook.spec.nodeName ?? "";
    return respond(statusWithJob(request, job, node, now), [keep(hook, job, node)]);
  }
  const current = hook.status ?? {};
  if (isTerminal(current.phase) || request.finalizing) return respond(current, []);
  // Seen before (it has a Succeeded condition) and now gone: deleted, as the native controller reports.
  if (current.jobName && current.conditions?.some((c) => c.type === CONDITION_SUCCEEDED)) {
    const message = `Job ${jobName} no longer exists, so how this hook ended is unknown (the Job was deleted): create a new PlexdHook to run the task again`;
    return respond(failedStatus(hook, REASON_JOB_MISSING, message, now), []);
  }
  const node = hook.spec.nodeName;
  if (!node) return respond(failedStatus(hook, REASON_NODE_NAME_REQUIRED, nodeNameRequired(hook), now), []);
  let desired: Job;
  try {
    desired = buildJob(hook, node);
  } catch (err) {
    return respond(failedStatus(hook, REASON_INVALID_SPEC, (err as Error).message, now), []);
  }
  const version = hookVersion(request.controller, request.finalizing ? "finalize" : "sync");
  if (nodeExists(request.related, node, version) === false) {
    return respond(failedStatus(hook, REASON_NODE_NOT_FOUND, `node ${node} not found`, now), []);
  }
  const missing = missingRef(request.related, configRefs(hook));
  if (missing) return respond(waitingStatus(hook, REASON_PARAMETER_SOURCE_MISSING, missing, now), []);
  // What it waited for is there now: the Job is asked for, and the old waiting message goes.
  const { message: _waited, ...rest } = current;
  return respond(pendingStatus({ ...hook, status: rest }, jobName, node, now), [desired]);
}

/**
 * The finalize hook (the PlexdHook is being deleted): never starts a Job, keeps an existing one, and
 * lets the deletion finish (finalized) once no task is running: the Job is gone, finished, or its pod
 * never started. A running task is not cut short by deleting its hook; delete the Job to stop it.
 */
export function finalize(request: SyncRequest, now: Date): FinalizeResponse {
  const response = sync({ ...request, finalizing: true }, now);
  const job = observedJob(request);
  return { ...response, finalized: !job || jobFinished(job) || response.status.phase !== "Running" };
}
