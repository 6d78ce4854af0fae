// progressOf() and recheckAfterMs(): pods left after a round of evictions, and when to look again.

import { expect, test } from "bun:test";
import type { Pod } from "../../core/types.ts";
import type { EvictionPlan } from "./pods.ts";
import { BLOCKED_RETRY, type EvictionResult, progressOf, recheckAfterMs, TERMINATING_RECHECK_MS } from "./progress.ts";

const pod = (name: string): Pod => ({ metadata: { name, namespace: "apps" } });
const plan = (evict: string[], terminating: string[] = [], refused: EvictionPlan["refused"] = []): EvictionPlan => ({
  evict: evict.map(pod),
  terminating: terminating.map(pod),
  refused,
});
const PDB = "The disruption budget web needs 2 healthy pods and has 2 currently";

test.each<[string, EvictionPlan, EvictionResult[], ReturnType<typeof progressOf>]>([
  ["nothing on the node", plan([]), [], { podsLeft: 0 }],
  [
    "evicted pods still count until they are gone",
    plan(["a", "b"]),
    [
      { pod: "apps/a", outcome: "evicted" },
      { pod: "apps/b", outcome: "evicted" },
    ],
    { podsLeft: 2 },
  ],
  [
    "a pod already gone (404) does not count",
    plan(["a", "b"]),
    [
      { pod: "apps/a", outcome: "gone" },
      { pod: "apps/b", outcome: "evicted" },
    ],
    { podsLeft: 1 },
  ],
  ["terminating pods count", plan([], ["t"]), [], { podsLeft: 1 }],
  [
    "a refused eviction blocks, naming the pod and the API server's words",
    plan(["a", "b"]),
    [
      { pod: "apps/a", outcome: "evicted" },
      { pod: "apps/b", outcome: "refused", why: PDB },
    ],
    { podsLeft: 2, blocking: { pod: "apps/b", why: PDB } },
  ],
  [
    "a pod that may not be evicted blocks the whole drain",
    plan(["a"], [], [{ pod: "apps/cache", why: "emptyDir" }]),
    [],
    { podsLeft: 2, blocking: { pod: "apps/cache", why: "emptyDir" } },
  ],
])("progressOf(): %s", (_, evictions, results, expected) => {
  expect(progressOf(evictions, results)).toEqual(expected);
});

test("recheckAfterMs() looks again soon while pods terminate, backs off while blocked, and never past the deadline", () => {
  expect(recheckAfterMs({ podsLeft: 2 }, 0, 60_000)).toBe(TERMINATING_RECHECK_MS);
  const blocked = { podsLeft: 1, blocking: { pod: "apps/a", why: PDB } };
  expect(recheckAfterMs(blocked, 10, 600_000)).toBeGreaterThanOrEqual(BLOCKED_RETRY.maxMs / 2);
  expect(recheckAfterMs(blocked, 10, 600_000)).toBeLessThanOrEqual(BLOCKED_RETRY.maxMs);
  expect(recheckAfterMs(blocked, 10, 250)).toBe(250);
  expect(recheckAfterMs(blocked, 10, -5)).toBe(0);
});
