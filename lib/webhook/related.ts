// Reads a sync request's related objects: the target Node and the Job's pods.

import type { KubernetesObject } from "@kubernetes/client-node";
import type { Pod } from "../core/types.ts";
import { JOB_NAME_LABEL } from "./customize.ts";
import type { HookVersion } from "./rules.ts";
import { type ObjectMap, objectsOf } from "./wire.ts";

const named = <T extends KubernetesObject>(list: T[], name: string): T | undefined => list.find((o) => o.metadata?.name === name);

/**
 * Whether the node exists; undefined when the request cannot tell. At v1 Metacontroller leaves
 * cluster-scoped objects out of a namespaced parent's related map, so there the Node is never seen.
 */
export function nodeExists(related: ObjectMap, nodeName: string, version: HookVersion): boolean | undefined {
  if (version === "v1") return undefined;
  return named(objectsOf(related, "v1", "Node"), nodeName) !== undefined;
}

/** The pods of the Job named `jobName` (and of that Job's uid, when known: a Job of the same name may have come before). */
export function jobPods(related: ObjectMap, namespace: string, jobName: string, jobUid?: string): Pod[] {
  return objectsOf<Pod>(related, "v1", "Pod").filter((pod) => {
    const labels = pod.metadata?.labels ?? {};
    if (pod.metadata?.namespace !== namespace || labels[JOB_NAME_LABEL] !== jobName) return false;
    const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
    return jobUid === undefined || owner === undefined || owner.uid === jobUid;
  });
}
