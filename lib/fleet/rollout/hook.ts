// The PlexdHook a rollout creates for one node: named deterministically, labelled with and owned by the rollout.

import { createHash } from "node:crypto";
import { API_VERSION, KIND, LABEL_ROLLOUT, ROLLOUT_KIND } from "../../constants.ts";
import type { PlexdHook } from "../../core/types.ts";
import type { PlexdRollout } from "./types.ts";

/** A PlexdHook to create: no uid or status yet. */
export type NewRolloutHook = Omit<PlexdHook, "metadata" | "status"> & {
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: object[] };
};

const MAX_NAME = 253;
const HASH_LENGTH = 10;

/** @internal `<rollout>-<node>`; when that is longer than a name may be, a prefix and a hash of both. */
export function rolloutHookName(rollout: string, node: string): string {
  const name = `${rollout}-${node}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(`${rollout}/${node}`).digest("hex").slice(0, HASH_LENGTH);
  return `${name.slice(0, MAX_NAME - HASH_LENGTH - 1).replace(/[-.]+$/, "")}-${hash}`;
}

/** Whether `hook` is one of `rollout`'s: its controller owner reference carries the rollout's UID. */
export function ownedBy(hook: PlexdHook, rollout: PlexdRollout): boolean {
  return (hook.metadata.ownerReferences ?? []).some((ref) => ref.controller === true && ref.uid === rollout.metadata.uid);
}

export function buildRolloutHook(rollout: PlexdRollout, node: string): NewRolloutHook {
  const { name, namespace, uid } = rollout.metadata;
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name: rolloutHookName(name, node),
      namespace,
      labels: { [LABEL_ROLLOUT]: name },
      ownerReferences: [{ apiVersion: API_VERSION, kind: ROLLOUT_KIND, name, uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...structuredClone(rollout.spec.template), nodeName: node },
  };
}
