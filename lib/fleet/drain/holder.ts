// Who holds a node among the hooks that drain it, and what happens to the node when its holder lets go.

import { ANNOTATION_CORDONED_BY } from "../../constants.ts";
import { keyOf } from "../../core/names.ts";
import type { Node, PlexdHook } from "../../core/types.ts";
import { holdsNode } from "./stages.ts";

/** What the drain reads of a Node. */
export interface DrainNodeView {
  name: string;
  unschedulable: boolean;
  /** The hook (namespace/name) named by our cordon annotation: we cordoned the node for it. */
  cordonedBy?: string;
  resourceVersion?: string;
}

export function drainNodeView(node: Node): DrainNodeView {
  const cordonedBy = node.metadata?.annotations?.[ANNOTATION_CORDONED_BY];
  return {
    name: node.metadata?.name ?? "",
    unschedulable: node.spec?.unschedulable === true,
    ...(cordonedBy && { cordonedBy }),
    ...(node.metadata?.resourceVersion && { resourceVersion: node.metadata.resourceVersion }),
  };
}

/** A change to the node: cordon state and our annotation (null removes it). Nothing else is ever patched. */
export interface NodePatch {
  unschedulable?: boolean;
  cordonedBy: string | null;
}

const created = (hook: PlexdHook): number => new Date(hook.metadata.creationTimestamp ?? 0).getTime();

/** First come, first served: by creation time, then name. */
export function drainOrder(a: PlexdHook, b: PlexdHook): number {
  return created(a) - created(b) || keyOf(a).localeCompare(keyOf(b));
}

/** The hook that holds the node: one whose drain has begun, else the one our annotation names, else the first in line. */
export function holderOf(waiting: readonly PlexdHook[], cordonedBy: string | undefined): PlexdHook | undefined {
  return waiting.find(holdsNode) ?? waiting.find((hook) => keyOf(hook) === cordonedBy) ?? waiting[0];
}

/** What letting go of the node does to it, and the words for it. */
export interface Release {
  patch?: NodePatch;
  message: string;
}

/**
 * `hook` lets go of `node`. Only a node our annotation says we cordoned for this hook is touched: it
 * passes to the next hook in line (still cordoned, so the next drain does not start over), or is
 * uncordoned; with uncordon Never it stays cordoned and loses the annotation, so no later hook
 * uncordons it either. `next` is the first hook still waiting for the node, if any.
 */
export function releaseOf(hook: PlexdHook, node: DrainNodeView | undefined, next: PlexdHook | undefined): Release {
  const name = node?.name;
  if (!node) return { message: "The node no longer exists" };
  if (node.cordonedBy !== keyOf(hook)) {
    return {
      message: node.unschedulable
        ? `Node ${name} stays cordoned: it was cordoned before this drain`
        : `Node ${name} is schedulable: this drain did not cordon it`,
    };
  }
  if (hook.spec.drain?.uncordon === "Never") {
    return { patch: { cordonedBy: null }, message: `Node ${name} stays cordoned: spec.drain.uncordon is Never` };
  }
  if (next) {
    return {
      patch: { cordonedBy: keyOf(next) },
      message: `Node ${name} stays cordoned for hook ${keyOf(next)}, which drains it next`,
    };
  }
  return { patch: { unschedulable: false, cordonedBy: null }, message: `Node ${name} uncordoned` };
}
