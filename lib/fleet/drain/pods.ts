// Which pods of a node a drain evicts, as `kubectl drain --ignore-daemonsets` decides it, and which stop it.

import {
  ANNOTATION_MIRROR_POD,
  ANNOTATION_SAFE_TO_EVICT,
  ANNOTATION_SAFE_TO_EVICT_LOCAL_VOLUMES,
  LABEL_MANAGED_BY,
  MANAGED_BY_VALUE,
} from "../../constants.ts";
import { matchesSelector } from "../../core/label-selector.ts";
import { keyOf } from "../../core/names.ts";
import type { DrainSpec, Pod } from "../../core/types.ts";

/** @internal What the drain does with one pod. */
export type PodVerdict =
  /** Evicted through the Eviction API. */
  | { kind: "evict" }
  /** Already being deleted: waited for, never evicted again. */
  | { kind: "terminating" }
  /** Left where it is; the drain does not wait for it. */
  | { kind: "stays"; why: string }
  /** May not be evicted: the drain evicts nothing and waits (until it is gone, or the timeout). */
  | { kind: "refused"; why: string };

const isFinished = (pod: Pod): boolean => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

const controllerKind = (pod: Pod): string | undefined => pod.metadata?.ownerReferences?.find((ref) => ref.controller)?.kind;

/**
 * @internal
 * The drain's judgement of one pod on the node. As kubectl drain: DaemonSet pods (their controller
 * would put them back at once) and mirror pods (the kubelet's static pods) stay, finished pods are
 * nothing to wait for, and a pod with emptyDir data (unless deleteEmptyDirData) or without a
 * controller (nothing would recreate it) stops the drain. Unlike kubectl, the pods of other hooks stay:
 * a hook pod tolerates the cordon and is itself maintenance that must not be cut short; and, as
 * cluster-autoscaler does, a pod may say that it is safe to evict (all of it, or some emptyDir volumes).
 */
export function judgePod(pod: Pod, drain: DrainSpec): PodVerdict {
  if (isFinished(pod)) return { kind: "stays", why: `it has ${pod.status?.phase?.toLowerCase()}` };
  const kind = controllerKind(pod);
  if (kind === "DaemonSet") return { kind: "stays", why: "it belongs to a DaemonSet" };
  if (pod.metadata?.annotations?.[ANNOTATION_MIRROR_POD] !== undefined) return { kind: "stays", why: "it is a mirror pod" };
  if (pod.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE) return { kind: "stays", why: "it is a hook's pod" };
  if (drain.podSelector && !matchesSelector(drain.podSelector, pod.metadata?.labels ?? {})) {
    return { kind: "stays", why: "spec.drain.podSelector does not select it" };
  }
  if (pod.metadata?.deletionTimestamp) return { kind: "terminating" };
  const annotations = pod.metadata?.annotations ?? {};
  // cluster-autoscaler's word for it: the pod's owner says it may go.
  if (annotations[ANNOTATION_SAFE_TO_EVICT] === "true") return { kind: "evict" };
  const disposable = new Set((annotations[ANNOTATION_SAFE_TO_EVICT_LOCAL_VOLUMES] ?? "").split(",").map((v) => v.trim()));
  const emptyDirs = (pod.spec?.volumes ?? []).filter((v) => v.emptyDir && !disposable.has(v.name)).map((v) => v.name);
  if (emptyDirs.length > 0 && !drain.deleteEmptyDirData) {
    return {
      kind: "refused",
      why: `it uses emptyDir volume ${emptyDirs.join(", ")}, whose data eviction deletes: set spec.drain.deleteEmptyDirData to evict it anyway`,
    };
  }
  if (!kind) {
    return {
      kind: "refused",
      why: "it has no controller, so nothing would recreate it: delete it, or leave it out with spec.drain.podSelector",
    };
  }
  return { kind: "evict" };
}

/** The pods a drain acts on, by what it does with them. */
export interface EvictionPlan {
  evict: Pod[];
  terminating: Pod[];
  refused: Array<{ pod: string; why: string }>;
}

/** Sorts the node's pods by verdict, in a stable order (namespace/name). */
export function planEvictions(pods: readonly Pod[], drain: DrainSpec): EvictionPlan {
  const plan: EvictionPlan = { evict: [], terminating: [], refused: [] };
  for (const pod of [...pods].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    const verdict = judgePod(pod, drain);
    if (verdict.kind === "evict") plan.evict.push(pod);
    else if (verdict.kind === "terminating") plan.terminating.push(pod);
    else if (verdict.kind === "refused") plan.refused.push({ pod: keyOf(pod), why: verdict.why });
  }
  return plan;
}
