// The next step for one node among the hooks that drain it: level-based, from the hooks and the Node alone.

import { DRAIN_FINALIZER } from "../../constants.ts";
import { keyOf } from "../../core/names.ts";
import { REASON_CORDONED, REASON_DRAIN_TIMEOUT, REASON_DRAINED, REASON_UNCORDONED } from "../../core/reasons.ts";
import { isTerminal } from "../../core/status.ts";
import type { PlexdHook, PlexdHookStatus } from "../../core/types.ts";
import { type DrainNodeView, drainOrder, holderOf, type NodePatch, releaseOf } from "./holder.ts";
import {
  completeStatus,
  cordonStatus,
  drainDeadline,
  holdsNode,
  notReadyStatus,
  releasedStatus,
  timedOutStatus,
  waitingStatus,
} from "./stages.ts";

/** An Event to record on the hook with a step. */
export interface DrainEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export type Step =
  | { kind: "addFinalizer"; hook: PlexdHook }
  | { kind: "removeFinalizer"; hook: PlexdHook }
  | { kind: "status"; hook: PlexdHook; status: PlexdHookStatus; event?: DrainEvent }
  /** `hook`: the hook the patch is for, which gets the Event; none when the hook that held the node is gone. */
  | { kind: "patchNode"; hook?: PlexdHook; patch: NodePatch; event?: DrainEvent }
  /** List the node's pods and evict what must go; drainingStatus or completeStatus follows from what it finds. */
  | { kind: "evict"; hook: PlexdHook };

export interface NodeFacts {
  /** The node's name. */
  node: string;
  /** The Node, if it exists. */
  view: DrainNodeView | undefined;
  /** Every hook with spec.drain.enabled that drains this node, in any state. */
  hooks: readonly PlexdHook[];
  /** The hooks' namespace: an annotation naming a hook elsewhere belongs to another installation. */
  namespace: string;
  /**
   * Whether a drain may begin: the node is Ready and its agent too (the fleet controller's view), so
   * the node is not emptied for a Job no one would create. A drain already begun goes on regardless.
   */
  canStart: boolean;
  now: Date;
}

const ended = (hook: PlexdHook): boolean => Boolean(hook.metadata.deletionTimestamp) || isTerminal(hook.status?.phase);
const hasFinalizer = (hook: PlexdHook): boolean => hook.metadata.finalizers?.includes(DRAIN_FINALIZER) ?? false;

/**
 * The one next step for `facts.node`, or undefined when there is nothing to do until something
 * changes. In order: hooks that ended hand the node back; a cordon left by a hook that is gone is
 * handed back; hooks waiting behind the holder say so; the holder moves one stage on.
 */
export function planNode(facts: NodeFacts): Step | undefined {
  const { node, view, now } = facts;
  const hooks = [...facts.hooks].sort(drainOrder);
  // A hook whose Job exists without a drain (one created before it asked for one) takes no part.
  const waiting = hooks.filter((hook) => !ended(hook) && (holdsNode(hook) || !hook.status?.jobName));
  const next = (after: PlexdHook | undefined): PlexdHook | undefined => waiting.find((hook) => hook !== after);

  for (const hook of hooks.filter(ended)) {
    const ours = view?.cordonedBy === keyOf(hook);
    if (holdsNode(hook) || (ours && hook.status?.drain?.stage !== "Released")) {
      const { message } = releaseOf(hook, view, next(hook));
      return { kind: "status", hook, status: releasedStatus(hook, message) };
    }
    if (ours) {
      const { patch, message } = releaseOf(hook, view, next(hook));
      if (patch) return { kind: "patchNode", hook, patch, event: { type: "Normal", reason: REASON_UNCORDONED, message } };
    }
    if (hasFinalizer(hook)) return { kind: "removeFinalizer", hook };
  }

  const owner = view?.cordonedBy;
  if (owner?.startsWith(`${facts.namespace}/`) && !hooks.some((hook) => keyOf(hook) === owner)) {
    const successor = next(undefined);
    const patch: NodePatch = successor ? { cordonedBy: keyOf(successor) } : { unschedulable: false, cordonedBy: null };
    // The hook that held the node is gone, or was moved to another node before its Job was created.
    return { kind: "patchNode", ...(successor && { hook: successor }), patch };
  }

  const holder = holderOf(waiting, owner);
  for (const hook of waiting) {
    if (hook === holder || !holder) continue;
    const status = waitingStatus(hook, node, keyOf(holder), now);
    if (!Bun.deepEquals(status.drain, hook.status?.drain)) return { kind: "status", hook, status };
  }
  return holder && advance(holder, facts);
}

/** The holder's next step through Cordon, Drain (or Blocked) and Complete, or its timeout. */
function advance(hook: PlexdHook, facts: NodeFacts): Step | undefined {
  const { node, view, now } = facts;
  if (!view) return undefined;
  const stage = holdsNode(hook) ? hook.status?.drain?.stage : "Idle";
  if (stage === "Complete") return undefined;
  if (stage === "Idle" && !facts.canStart) {
    const status = notReadyStatus(hook, node, now);
    return Bun.deepEquals(status.drain, hook.status?.drain) ? undefined : { kind: "status", hook, status };
  }
  if (!hasFinalizer(hook)) return { kind: "addFinalizer", hook };
  if (stage === "Idle") return { kind: "status", hook, status: cordonStatus(hook, node, now) };
  const deadline = drainDeadline(hook) ?? Number.POSITIVE_INFINITY;
  if (now.getTime() >= deadline) {
    const status = timedOutStatus(hook, node, now);
    return {
      kind: "status",
      hook,
      status,
      event: { type: "Warning", reason: REASON_DRAIN_TIMEOUT, message: status.message ?? "" },
    };
  }
  if (stage === "Cordon") {
    if (!view.unschedulable) {
      const event: DrainEvent = { type: "Normal", reason: REASON_CORDONED, message: `Node ${node} cordoned` };
      return { kind: "patchNode", hook, patch: { unschedulable: true, cordonedBy: keyOf(hook) }, event };
    }
    return { kind: "evict", hook };
  }
  return { kind: "evict", hook };
}

/** The status once a look at the node found nothing left to leave. */
export function drainedStep(hook: PlexdHook, node: string, now: Date): Step {
  const status = completeStatus(hook, node, now);
  return { kind: "status", hook, status, event: { type: "Normal", reason: REASON_DRAINED, message: `Node ${node} drained` } };
}
