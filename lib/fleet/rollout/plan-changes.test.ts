// planRollout() mid-rollout after strategy or window changed: the next pass plans with the new values, not the old.

import { describe, expect, test } from "bun:test";
import { hook, NOW, nodes, rollout, started } from "../../../tests/support/rollout.ts";
import type { PlexdHook } from "../../core/types.ts";
import { planRollout } from "./plan.ts";
import type { PlexdRolloutSpec } from "./types.ts";

type Spec = Partial<PlexdRolloutSpec>;
/** What one pass does: the nodes it starts, the phase and the Progressing reason. */
type Pass = [start: string[], phase: string, reason: string];
type Case = [string, PlexdHook[], Spec, Pass, Spec, Pass];

const five = nodes("a", "b", "c", "d", "e");
// NOW is 12:00 UTC: a window from 11:30 is open (nodes start until the cutoff at 12:20), one from 13:00 is not.
const open = { schedule: "30 11 * * *", duration: "1h", cutoff: "10m" };
const closed = { schedule: "0 13 * * *", duration: "1h", cutoff: "10m" };

const cases: Case[] = [
  [
    "maxParallel raised from 1 to 3: two more start beside the running one",
    [hook("a", "Running")],
    { strategy: { maxParallel: 1 } },
    [[], "Progressing", "Running"],
    { strategy: { maxParallel: 3 } },
    [["b", "c"], "Progressing", "Running"],
  ],
  [
    "maxParallel raised as a percentage, from 20% to 60% of five nodes",
    [hook("a", "Running")],
    { strategy: { maxParallel: "20%" } },
    [[], "Progressing", "Running"],
    { strategy: { maxParallel: "60%" } },
    [["b", "c"], "Progressing", "Running"],
  ],
  [
    "maxParallel lowered from 3 to 1: a slot freed by an ended hook stays empty while two still run",
    [hook("a", "Succeeded"), hook("b", "Running"), hook("c", "Running")],
    { strategy: { maxParallel: 3 } },
    [["d"], "Progressing", "Running"],
    { strategy: { maxParallel: 1 } },
    [[], "Progressing", "Running"],
  ],
  [
    "maxParallel lowered to what runs: nothing more starts",
    [hook("a", "Running"), hook("b", "Running")],
    { strategy: { maxParallel: 4 } },
    [["c", "d"], "Progressing", "Running"],
    { strategy: { maxParallel: 2 } },
    [[], "Progressing", "Running"],
  ],
  [
    "maxUnavailable raised from 1 to 2: the busy node no longer holds the next one back",
    [hook("a", "Running")],
    { strategy: { maxParallel: 5, maxUnavailable: 1 } },
    [[], "Progressing", "Running"],
    { strategy: { maxParallel: 5, maxUnavailable: 2 } },
    [["b"], "Progressing", "Running"],
  ],
  [
    "a window added that is closed now: nothing more starts, OutsideWindow, the running hook goes on",
    [hook("a", "Running")],
    { strategy: { maxParallel: 2 } },
    [["b"], "Progressing", "Running"],
    { strategy: { maxParallel: 2 }, window: closed },
    [[], "Waiting", "OutsideWindow"],
  ],
  [
    "a window added that is open now: nodes go on starting",
    [hook("a", "Succeeded")],
    {},
    [["b"], "Progressing", "Running"],
    { window: open },
    [["b"], "Progressing", "Running"],
  ],
  [
    "the window moved from an open one to a closed one: OutsideWindow",
    [hook("a", "Succeeded")],
    { window: open },
    [["b"], "Progressing", "Running"],
    { window: closed },
    [[], "Waiting", "OutsideWindow"],
  ],
  [
    "the window moved from a closed one to an open one: the next node starts",
    [hook("a", "Succeeded")],
    { window: closed },
    [[], "Waiting", "OutsideWindow"],
    { window: open },
    [["b"], "Progressing", "Running"],
  ],
  [
    "the window removed: the next node starts at once",
    [hook("a", "Succeeded")],
    { window: closed },
    [[], "Waiting", "OutsideWindow"],
    {},
    [["b"], "Progressing", "Running"],
  ],
];

/** A pass over a rollout started an hour ago on five nodes. */
function pass(spec: Spec, hooks: PlexdHook[]): Pass {
  const plan = planRollout({ rollout: rollout(spec, started("a", "b", "c", "d", "e")), nodes: five, hooks, now: NOW });
  const reason = plan.status.conditions?.find((c) => c.type === "Progressing")?.reason ?? "";
  return [plan.start, plan.status.phase ?? "", reason];
}

describe("planRollout() after an edit mid-rollout", () => {
  // The same hooks and Nodes, planned under the spec before the edit and after it: only the edit differs.
  test.each(cases)("%s", (_, hooks, before, expectedBefore, after, expectedAfter) => {
    expect(pass(before, hooks)).toEqual(expectedBefore);
    expect(pass(after, hooks)).toEqual(expectedAfter);
  });
});
