// Where an untargeted hook runs: one Ready node with a ready agent, the least busy, ties broken by the hook's UID.

import type { PlexdHook } from "../core/types.ts";
import { hostnameMismatch, type NodeView } from "./nodes.ts";

export type Assignment = { node: string } | { why: string };

/** A stable pseudo-random rank of `node` for `uid` (rendezvous hashing): ties spread evenly and never move. */
function rank(uid: string, node: string): number {
  return Number(Bun.hash.wyhash(`${uid}/${node}`) & 0xffffffffn);
}

/**
 * Picks the node for `hook`: Ready, not cordoned, with a ready agent (`agents`, or every node when it is
 * "any"), its hostname label equal to its name, and no control-plane node unless the hook allows it.
 * Among those the one running the fewest hooks (`busy`), then the highest rank. When none fits, says why.
 */
export function chooseNode(
  hook: PlexdHook,
  nodes: Iterable<NodeView>,
  agents: ReadonlySet<string> | "any",
  busy: ReadonlyMap<string, number>,
): Assignment {
  let best: { node: string; busy: number; rank: number } | undefined;
  let seen = 0;
  for (const node of nodes) {
    seen++;
    if (!node.ready || node.unschedulable || hostnameMismatch(node) !== undefined) continue;
    if (node.controlPlane && !hook.spec.allowControlPlane) continue;
    if (agents !== "any" && !agents.has(node.name)) continue;
    const candidate = { node: node.name, busy: busy.get(node.name) ?? 0, rank: rank(hook.metadata.uid, node.name) };
    if (!best || candidate.busy < best.busy || (candidate.busy === best.busy && candidate.rank > best.rank)) best = candidate;
  }
  if (best) return { node: best.node };
  if (seen === 0) return { why: "the cluster has no nodes" };
  const allowed = hook.spec.allowControlPlane ? "" : " and not a control-plane node";
  return {
    why: `none of the ${seen} nodes is Ready, schedulable${allowed}, with a ready plexd-hook agent (the DaemonSet's pod)`,
  };
}
