// What one round of evictions leaves: pods still to go, the pod that holds the drain back, and when to look again.

import { backoffDelay } from "../../core/time.ts";
import type { EvictionPlan } from "./pods.ts";
import type { DrainProgress } from "./stages.ts";

/** The Eviction API's answer for one pod. */
export type EvictionResult =
  | { pod: string; outcome: "evicted" | "gone" }
  /** Refused, e.g. 429 from a PodDisruptionBudget; `why` is the API server's words (they name the budget). */
  | { pod: string; outcome: "refused"; why: string };

/** @internal How soon the node is looked at again while evicted pods terminate. */
export const TERMINATING_RECHECK_MS = 1_000;
/** @internal Retries of a refused eviction back off from this to the cap (kubectl drain retries every 5 s). */
export const BLOCKED_RETRY = { baseMs: 1_000, maxMs: 30_000 };

/** The drain's progress after `plan` was acted on with `results` (none when the plan refused a pod). */
export function progressOf(plan: EvictionPlan, results: readonly EvictionResult[]): DrainProgress {
  const refusedPod = plan.refused[0];
  if (refusedPod) {
    return { podsLeft: plan.evict.length + plan.terminating.length + plan.refused.length, blocking: refusedPod };
  }
  const gone = results.filter((r) => r.outcome === "gone").length;
  const refused = results.find((r) => r.outcome === "refused");
  return {
    podsLeft: plan.evict.length - gone + plan.terminating.length,
    ...(refused?.outcome === "refused" && { blocking: { pod: refused.pod, why: refused.why } }),
  };
}

/**
 * When to look again: soon while pods terminate, with growing waits while blocked (`attempt` counts
 * the blocked looks in a row), never later than the deadline, so the timeout is on time.
 */
export function recheckAfterMs(progress: DrainProgress, attempt: number, msToDeadline: number): number {
  const wait = progress.blocking ? backoffDelay(attempt, BLOCKED_RETRY.baseMs, BLOCKED_RETRY.maxMs) : TERMINATING_RECHECK_MS;
  return Math.max(0, Math.min(wait, msToDeadline));
}
