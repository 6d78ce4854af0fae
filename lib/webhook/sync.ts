// The sync and finalize hooks: the desired Job and the whole status of one PlexdHook, from the shared pure core.

import { LABEL_HOSTNAME } from "../constants.ts";
import { buildJob } from "../core/build-job.ts";
import { CONDITION_JOB_CREATED, CONDITION_SUCCEEDED } from "../core/conditions.ts";
import { jobFinished } from "../core/job-state.ts";
import { jobMissingMessage } from "../core/messages.ts";
import { jobNameFor } from "../core/names.ts";
import {
  REASON_DRAIN_UNSUPPORTED,
  REASON_INVALID_SPEC,
  REASON_JOB_MISSING,
  REASON_JOB_UNCONFIRMED,
  REASON_NODE_NAME_REQUIRED,
  REASON_NODE_NOT_FOUND,
} from "../core/reasons.ts";
import { claimedStatus, deriveStatus, failedStatus, isClaimOnly, isTerminal } from "../core/status.ts";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import { drainUnsupportedMessage, jobUnseenMessage, nodeNameRequiredMessage } from "./messages.ts";
import { jobPods, nodeExists } from "./related.ts";
import { type FinalizeResponse, hookVersion, objectsOf, type SyncRequest, type SyncResponse } from "./wire.ts";

/** @internal A non-terminal hook is looked at again this often even if no watched object changes. */
export const RESYNC_SECONDS = 30;

/**
 * @internal
 * How long a Job asked for may stay out of the sync requests before the hook fails. Metacontroller's
 * informer shows a Job it created within moments; one still absent this long after was never created
 * (the API server refused it) or ran and was removed (ttlSecondsAfterFinished) before a sync saw it.
 */
export const JOB_UNSEEN_GRACE_SECONDS = 60;

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

function respond(status: PlexdHookStatus, children: Job[], resyncAfterSeconds = RESYNC_SECONDS): SyncResponse {
  return { status, children, resyncAfterSeconds: isTerminal(status.phase) ? 0 : resyncAfterSeconds };
}

/**
 * The status names the Job and Metacontroller shows none. Seen before (deriveStatus set its Succeeded
 * condition): it is gone, reported as the native controller reports a Job that is gone (JobMissing). Not
 * JobDeleted: the native controller sees a deletion because JOB_FINALIZER holds the Job; these Jobs carry
 * none (nothing here could remove it), and one gone unseen may as well have ended and been removed by
 * its TTL. Never seen: asked for and not there yet, which is Metacontroller's cache for a moment, and
 * after JOB_UNSEEN_GRACE_SECONDS a Job that was refused or already removed. Either way no Job is asked
 * for again.
 */
function jobNotObserved(hook: PlexdHook, status: PlexdHookStatus, jobName: string, now: Date): SyncResponse {
  if (status.conditions?.some((c) => c.type === CONDITION_SUCCEEDED)) {
    return respond(failedStatus(hook, REASON_JOB_MISSING, jobMissingMessage(jobName), now), []);
  }
  // Asked for when JobCreated last changed (or the task started); a status that says neither cannot wait.
  const asked = status.conditions?.find((c) => c.type === CONDITION_JOB_CREATED)?.lastTransitionTime ?? status.startedAt;
  const left = JOB_UNSEEN_GRACE_SECONDS - (now.getTime() - Date.parse(asked ?? "")) / 1000;
  if (left > 0) return respond(status, [], Math.min(Math.ceil(left), JOB_UNSEEN_GRACE_SECONDS));
  return respond(failedStatus(hook, REASON_JOB_UNCONFIRMED, jobUnseenMessage(hook, jobName, JOB_UNSEEN_GRACE_SECONDS), now), []);
}

/**
 * What the hook should have. An existing Job is always returned (Metacontroller deletes children a
 * response leaves out, which would kill a running task). A new one is asked for at most once: only
 * while the status names no Job, and the same answer names it (Metacontroller creates the Job, then
 * writes the status). Never while finalizing, nor for a hook with spec.drain.
 */
export function sync(request: SyncRequest, now: Date): SyncResponse {
  const hook = request.parent;
  const jobName = jobNameFor(hook.metadata.name);
  const job = observedJob(request);
  if (job) {
    const node = job.spec?.template?.spec?.nodeSelector?.[LABEL_HOSTNAME] ?? hook.spec.nodeName ?? "";
    const status = statusWithJob(request, job, node, now);
    // Seen, and still plainly Pending: the claim already says so, and every status change costs a write
    // from Metacontroller's rate-limited client. The next one that tells a user something (a pod that
    // does not start, Running, the outcome) records the Job with it.
    const news = !isClaimOnly(hook) || status.phase !== "Pending" || status.message !== undefined;
    return respond(news ? status : (hook.status as PlexdHookStatus), [keep(hook, job, node)]);
  }
  const current = hook.status ?? {};
  if (isTerminal(current.phase) || request.finalizing) return respond(current, []);
  if (current.jobName) return jobNotObserved(hook, current, current.jobName, now);
  // The drain is the fleet controller's, which this mode lacks: a Job now would run beside the node's
  // workloads. First of the checks, since running natively is one of the ways out and needs no nodeName.
  if (hook.spec.drain?.enabled === true) {
    return respond(failedStatus(hook, REASON_DRAIN_UNSUPPORTED, drainUnsupportedMessage(hook), now), []);
  }
  const node = hook.spec.nodeName;
  if (!node) return respond(failedStatus(hook, REASON_NODE_NAME_REQUIRED, nodeNameRequiredMessage(hook), now), []);
  let desired: Job;
  try {
    desired = buildJob(hook, node);
  } catch (err) {
    return respond(failedStatus(hook, REASON_INVALID_SPEC, (err as Error).message, now), []);
  }
  if (nodeExists(request.related, node, hookVersion(request.controller, "sync")) === false) {
    return respond(failedStatus(hook, REASON_NODE_NOT_FOUND, `node ${node} not found`, now), []);
  }
  // A parameter's missing ConfigMap or Secret is not checked here: the pod says so, as in the native mode.
  return respond(claimedStatus(hook, jobName, node, now), [desired]);
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
