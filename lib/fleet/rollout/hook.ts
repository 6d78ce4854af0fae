// The PlexdHook a rollout creates for one node: named deterministically, labelled with and owned by the rollout.

import { API_VERSION, KIND, LABEL_ROLLOUT, ROLLOUT_KIND } from "../../constants.ts";
import { fitName } from "../../core/names.ts";
import type { PlexdHook } from "../../core/types.ts";
import type { PlexdRollout } from "./types.ts";

/** A PlexdHook to create: no uid or status yet. */
export type NewRolloutHook = Omit<PlexdHook, "metadata" | "status"> & {
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: object[] };
};

/** A PlexdHook's name is a DNS subdomain: at most 253 characters (it is no label value, unlike its Job's). */
const MAX_NAME = 253;

/** `<rollout>-<node>`; when that is longer than a name may be, a prefix and a hash of both. */
export function rolloutHookName(rollout: string, node: string): string {
  return fitName(`${rollout}-${node}`, { source: `${rollout}/${node}`, max: MAX_NAME });
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
