// What the rollout duty asks of Kubernetes, as an interface: the REST one in lib/kube, an in-memory one in tests.

import type { PlexdHook } from "../../core/types.ts";
import type { Watch } from "../../kube/client.ts";
import type { NewRolloutHook } from "./hook.ts";
import type { PlexdRollout, PlexdRolloutStatus, RolloutNode } from "./types.ts";

export interface RolloutClient {
  /** The PlexdRollouts of `namespace`. */
  watchRollouts(namespace: string, signal: AbortSignal): Watch<PlexdRollout>;
  /** The PlexdHooks of `namespace` that carry the rollout label. */
  watchRolloutHooks(namespace: string, signal: AbortSignal): Watch<PlexdHook>;
  /** Every Node, each as the little a rollout reads of it. */
  watchNodes(signal: AbortSignal): Watch<RolloutNode>;
  /**
   * Writes `status` through the status subresource, sending only the keys that differ from the
   * rollout's (removed ones as null); 409 when `rollout`'s resourceVersion is stale.
   */
  updateRolloutStatus(rollout: PlexdRollout, status: PlexdRolloutStatus): Promise<PlexdRollout>;
  /** Rejects with an ApiError whose reason is AlreadyExists when the name is taken. */
  createHook(hook: NewRolloutHook): Promise<PlexdHook>;
  getHook(namespace: string, name: string): Promise<PlexdHook | undefined>;
}

/** The keys of `next` that differ from `previous`, and null for the keys `next` dropped: a merge patch. */
export function statusPatch(previous: PlexdRolloutStatus | undefined, next: PlexdRolloutStatus): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const before = (previous ?? {}) as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  for (const key of Object.keys(before)) if (!(key in after)) patch[key] = null;
  for (const [key, value] of Object.entries(after)) if (!Bun.deepEquals(before[key], value)) patch[key] = value;
  return patch;
}
