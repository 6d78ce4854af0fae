// Which controller acts on a hook, and which node its Job runs on.

import type { V1OwnerReference } from "@kubernetes/client-node";
import { KIND } from "../constants.ts";
import { isClaimOnly } from "./status.ts";
import type { Job, PlexdHook } from "./types.ts";

/**
 * The three ways plexd-hook runs. A node agent acts for one node with a token that can do nothing
 * else; the fleet controller holds every duty that needs more; cluster mode is one process doing both
 * for every node.
 */
type Role = "agent" | "fleet" | "cluster";

export interface Self {
  role: Role;
  /** The agent's node; in cluster mode the default node for hooks that name none (may be ""); "" for the fleet. */
  nodeName: string;
  /** Holds the Lease: the fleet controller and cluster mode act only then. Agents hold none. */
  leader: boolean;
}

/**
 * The node a hook's Job runs on: the one it names, else the one the fleet controller assigned it to
 * (status.nodeName, which also holds where its Job runs), else in cluster mode the default node.
 */
export function targetNode(hook: PlexdHook, self: Self): string | undefined {
  return hook.spec.nodeName || hook.status?.nodeName || (self.role === "cluster" ? self.nodeName : "") || undefined;
}

/**
 * Whether only the fleet controller may create this hook's Job: a node agent's token may create the
 * builder's unprivileged Job for its own node, reading no Secret, and nothing else (admission policy
 * plexd-hook-jobs).
 */
function needsFleet(hook: PlexdHook): boolean {
  const { privileged, allowControlPlane, parameters } = hook.spec;
  return privileged === true || allowControlPlane === true || (parameters ?? []).some((p) => p.valueFrom?.secretKeyRef);
}

/** Whether the status records the hook's Job as seen: from then on it is only followed, never created. */
function jobRecorded(hook: PlexdHook): boolean {
  return Boolean(hook.status?.jobName) && !isClaimOnly(hook);
}

/**
 * Whether this controller should act on `hook`. An agent follows every hook on its node (targeted, or
 * assigned to it by the fleet controller) and creates the Jobs of those its token may create; the
 * fleet controller creates the other Jobs, up to the first status that records them; in cluster mode
 * the replica holding the Lease does everything.
 */
export function ownsHook(hook: PlexdHook, self: Self): boolean {
  const node = targetNode(hook, self);
  if (node === undefined) return false;
  switch (self.role) {
    case "cluster":
      return self.leader;
    case "fleet":
      return self.leader && needsFleet(hook) && !jobRecorded(hook);
    case "agent":
      return node === self.nodeName && (!needsFleet(hook) || jobRecorded(hook));
  }
}

/** The PlexdHook that controls `job`, if any: only such a Job counts as a hook's Job. */
export function controllerRef(job: Job): V1OwnerReference | undefined {
  return job.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === KIND);
}
