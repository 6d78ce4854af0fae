// The drain's informer caches: the hooks that ask for a drain, and what the drain reads of each Node.

import { keyOf } from "../../core/names.ts";
import type { Node, PlexdHook } from "../../core/types.ts";
import type { ObjectChange } from "../../kube/client.ts";
import { type DrainNodeView, drainNodeView } from "./holder.ts";
import { drainNode } from "./stages.ts";

/** Whether `a` is at least as new as `b` (etcd's resourceVersions are integers, though opaque by contract). */
function atLeastAsNew(a: { resourceVersion?: string }, b: { resourceVersion?: string }): boolean {
  try {
    return BigInt(a.resourceVersion ?? "0") >= BigInt(b.resourceVersion ?? "0");
  } catch {
    return true;
  }
}

const nodesOf = (hook: PlexdHook | undefined): string[] =>
  [hook && drainNode(hook), hook?.status?.drain?.nodeName].filter((n): n is string => Boolean(n));

export class DrainCache {
  private readonly hookMap = new Map<string, PlexdHook>();
  private readonly nodeMap = new Map<string, DrainNodeView>();

  /** Takes in a hook watch event; returns the nodes whose drains it may change. Only hooks with drain enabled are kept. */
  storeHook(event: ObjectChange<PlexdHook>): string[] {
    const key = keyOf(event.object);
    const before = this.hookMap.get(key);
    if (event.type === "DELETED" || event.object.spec.drain?.enabled !== true) this.hookMap.delete(key);
    else this.hookMap.set(key, { ...event.object, metadata: { ...event.object.metadata, managedFields: undefined } });
    return [...new Set([...nodesOf(before), ...nodesOf(this.hookMap.get(key))])];
  }

  /** Takes in the answer to our own write, unless the watch already brought a newer copy. */
  storeWritten(hook: PlexdHook): void {
    const key = keyOf(hook);
    const held = this.hookMap.get(key);
    if (held && atLeastAsNew(hook.metadata, held.metadata)) this.hookMap.set(key, hook);
  }

  /** Takes in a Node watch event (or the answer to our patch); returns whether what the drain reads of it changed. */
  storeNode(event: ObjectChange<Node>): boolean {
    const view = drainNodeView(event.object);
    const before = this.nodeMap.get(view.name);
    if (event.type === "DELETED") return this.nodeMap.delete(view.name);
    if (before && !atLeastAsNew(view, before)) return false;
    this.nodeMap.set(view.name, view);
    const { resourceVersion: _a, ...now } = view;
    const { resourceVersion: _b, ...was } = before ?? { name: "" };
    return !Bun.deepEquals(now, was);
  }

  node(name: string): DrainNodeView | undefined {
    return this.nodeMap.get(name);
  }

  /** Every hook that drains `node` (a hook moved elsewhere lets go of the old node by planNode's rule for cordons left behind). */
  hooksOn(node: string): PlexdHook[] {
    return [...this.hookMap.values()].filter((hook) => drainNode(hook) === node);
  }

  /** The nodes a drain may have to act on: those of the hooks, and those with a cordon of ours (`namespace`'s hooks). */
  nodesToLook(namespace: string): Set<string> {
    const nodes = new Set<string>();
    for (const hook of this.hookMap.values()) for (const node of nodesOf(hook)) nodes.add(node);
    for (const view of this.nodeMap.values()) if (view.cordonedBy?.startsWith(`${namespace}/`)) nodes.add(view.name);
    return nodes;
  }

  /** Whether a Node event concerns the drain: a node one of our hooks drains, or one with our annotation. */
  concerns(node: string, namespace: string): boolean {
    if (this.nodeMap.get(node)?.cordonedBy?.startsWith(`${namespace}/`)) return true;
    for (const hook of this.hookMap.values()) if (nodesOf(hook).includes(node)) return true;
    return false;
  }
}
