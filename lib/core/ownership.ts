// Which controller acts on a hook, and which node its Job runs on.

import type { V1OwnerReference } from "@kubernetes/client-node";
import { KIND } from "../constants.ts";
import type { Job, PlexdHook } from "./types.ts";

export interface Self {
  /** This controller's node; in cluster mode the default node for hooks that name none (may be ""). */
  nodeName: string;
  /** Cluster mode: one controller handles every hook. */
  allNodes: boolean;
  /** Holds the Lease: for hooks without spec.nodeName (node mode), to write at all (cluster mode). */
  leader: boolean;
}

/**
 * The node a hook's Job runs on: the one it names, else the one its Job already runs on (an untargeted
 * hook is bound to a node once its Job exists), else this controller's own.
 */
export function targetNode(hook: PlexdHook, self: Self): string | undefined {
  return hook.spec.nodeName || hook.status?.nodeName || self.nodeName || undefined;
}

/**
 * Whether this controller should act on `hook`. A targeted hook belongs to its node's controller, an
 * untargeted one to the Lease holder from start to end (so no node needs a watch for untargeted hooks
 * running on it). In cluster mode only the replica holding the Lease writes.
 */
export function ownsHook(hook: PlexdHook, self: Self): boolean {
  if (self.allNodes) return self.leader && targetNode(hook, self) !== undefined;
  if (hook.spec.nodeName) return hook.spec.nodeName === self.nodeName;
  return self.leader;
}

/** The PlexdHook that controls `job`, if any: only such a Job counts as a hook's Job. */
export function controllerRef(job: Job): V1OwnerReference | undefined {
  return job.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === KIND);
}
