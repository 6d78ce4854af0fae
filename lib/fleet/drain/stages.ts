// The hook's status at each stage of its drain: status.drain, and the Pending phase with a reason while no Job may exist.

import { CONDITION_JOB_CREATED, setCondition } from "../../core/conditions.ts";
import {
  REASON_DRAIN_BLOCKED,
  REASON_DRAIN_TIMEOUT,
  REASON_DRAIN_WAITING,
  REASON_DRAINED,
  REASON_DRAINING,
} from "../../core/reasons.ts";
import { failedStatus } from "../../core/status.ts";
import type { DrainStage, DrainStatus, PlexdHook, PlexdHookStatus } from "../../core/types.ts";

/** spec.drain.timeoutSeconds when the API server did not default it (a hook from before the field). */
const DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;

/** The node a hook drains: the one it names, else the one the fleet controller assigned it to. */
export function drainNode(hook: PlexdHook): string | undefined {
  return hook.spec.nodeName || hook.status?.nodeName || undefined;
}

const HOLDING: ReadonlySet<DrainStage> = new Set(["Cordon", "Drain", "Blocked", "Complete", "TimedOut"]);

/** Whether the hook's drain of its node has begun and the node is not handed back yet. */
export function holdsNode(hook: PlexdHook): boolean {
  const drain = hook.status?.drain;
  return drain !== undefined && HOLDING.has(drain.stage) && drain.nodeName === drainNode(hook);
}

/** When the drain must be over: timeoutSeconds after the Cordon stage began. */
export function drainDeadline(hook: PlexdHook): number | undefined {
  const started = hook.status?.drain?.startedAt;
  if (!started) return undefined;
  return Date.parse(started) + (hook.spec.drain?.timeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS) * 1000;
}

/** Pending with `reason` on JobCreated: the drain is why the hook has no Job yet. */
function pending(hook: PlexdHook, drain: DrainStatus, reason: string, message: string, now: Date): PlexdHookStatus {
  const current = hook.status ?? {};
  return {
    ...current,
    phase: "Pending",
    message,
    observedGeneration: hook.metadata.generation,
    drain,
    conditions: setCondition(current.conditions, { type: CONDITION_JOB_CREATED, status: "False", reason, message }, now),
  };
}

/** Another hook holds the node: this one waits its turn. */
export function waitingStatus(hook: PlexdHook, node: string, holder: string, now: Date): PlexdHookStatus {
  const message = `Waiting to drain node ${node}: hook ${holder} holds it`;
  return pending(hook, { stage: "Idle", nodeName: node, message }, REASON_DRAIN_WAITING, message, now);
}

/** The node is not Ready, or its agent is not: nothing is cordoned or evicted until both are. */
export function notReadyStatus(hook: PlexdHook, node: string, now: Date): PlexdHookStatus {
  const message = `Waiting to drain node ${node}: the node or its plexd-hook agent is not ready`;
  return pending(hook, { stage: "Idle", nodeName: node, message }, REASON_DRAIN_WAITING, message, now);
}

/** The drain begins: the hook now holds the node, and the timeout counts from here. */
export function cordonStatus(hook: PlexdHook, node: string, now: Date): PlexdHookStatus {
  const message = `Cordoning node ${node} before the hook runs`;
  const drain: DrainStatus = { stage: "Cordon", nodeName: node, message, startedAt: now.toISOString() };
  return pending(hook, drain, REASON_DRAINING, message, now);
}

/** What one look at the node found. */
export interface DrainProgress {
  /** Pods still to leave the node. */
  podsLeft: number;
  /** The first pod that holds the drain back, and why. */
  blocking?: { pod: string; why: string };
}

/** The node is cordoned and pods are leaving (Drain), or one may not leave yet (Blocked). */
export function drainingStatus(hook: PlexdHook, node: string, progress: DrainProgress, now: Date): PlexdHookStatus {
  const { podsLeft, blocking } = progress;
  const before = hook.status?.drain;
  const pods = `${podsLeft} pod${podsLeft === 1 ? "" : "s"} left`;
  const stage: DrainStage = blocking ? "Blocked" : "Drain";
  const message = blocking
    ? `Draining node ${node} is blocked (${pods}): pod ${blocking.pod}: ${blocking.why}`
    : `Draining node ${node}: ${pods}`;
  const drain: DrainStatus = {
    stage,
    nodeName: node,
    message,
    ...(before?.startedAt && { startedAt: before.startedAt }),
    podsLeft,
    ...(blocking && { blockingPod: blocking.pod, blockingReason: blocking.why }),
  };
  return pending(hook, drain, blocking ? REASON_DRAIN_BLOCKED : REASON_DRAINING, message, now);
}

/** Every pod that had to leave has left: the Job may be created. */
export function completeStatus(hook: PlexdHook, node: string, now: Date): PlexdHookStatus {
  const before = hook.status?.drain;
  const message = `Node ${node} is drained; the hook's Job comes next`;
  const drain: DrainStatus = {
    stage: "Complete",
    nodeName: node,
    message,
    ...(before?.startedAt && { startedAt: before.startedAt }),
    drainedAt: now.toISOString(),
    podsLeft: 0,
  };
  return pending(hook, drain, REASON_DRAINED, message, now);
}

/** timeoutSeconds passed with pods left: the hook fails and its Job is never created. */
export function timedOutStatus(hook: PlexdHook, node: string, now: Date): PlexdHookStatus {
  const before = hook.status?.drain;
  const seconds = hook.spec.drain?.timeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS;
  const left = before?.podsLeft === undefined ? "" : ` with ${before.podsLeft} pod${before.podsLeft === 1 ? "" : "s"} left`;
  const blocked = before?.blockingPod ? `; pod ${before.blockingPod}: ${before.blockingReason}` : "";
  const message = `Draining node ${node} did not finish within ${seconds} s${left}${blocked}. The hook's Job was not created`;
  const status = failedStatus(hook, REASON_DRAIN_TIMEOUT, message, now);
  return { ...status, drain: { ...before, stage: "TimedOut", nodeName: node, message } };
}

/** The hook ended (or is being deleted) and the node is handed back as `message` says. */
export function releasedStatus(hook: PlexdHook, message: string): PlexdHookStatus {
  const current = hook.status ?? {};
  const { blockingPod: _pod, blockingReason: _why, ...kept } = current.drain ?? { stage: "Released" };
  return { ...current, drain: { ...kept, stage: "Released", message } };
}
