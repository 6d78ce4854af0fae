// planRollout(): which nodes start and what the status says, for every strategy field, the window, pause and abort.

import { describe, expect, test } from "bun:test";
import { ago, hook, NOW, node, nodes, rollout, started } from "../../../tests/support/rollout.ts";
import type { PlexdHook } from "../../core/types.ts";
import { planRollout } from "./plan.ts";
import type { PlexdRollout, RolloutNode } from "./types.ts";

type Case = [string, PlexdRollout, RolloutNode[], PlexdHook[], string[], Record<string, unknown>];

const five = nodes("a", "b", "c", "d", "e");
const progressing = (status: { conditions?: { type: string; reason: string }[] }) =>
  status.conditions?.find((c) => c.type === "Progressing")?.reason;

const cases: Case[] = [
  [
    "maxParallel 2 starts the first two nodes by name",
    rollout({ strategy: { maxParallel: 2 } }),
    five,
    [],
    ["a", "b"],
    { phase: "Progressing", running: 2, pending: 3, selected: 5 },
  ],
  ["maxParallel defaults to 1", rollout(), five, [], ["a"], { running: 1 }],
  [
    "a percentage of maxParallel is of the rollout's nodes, rounded down",
    rollout({ strategy: { maxParallel: "50%" } }),
    five,
    [],
    ["a", "b"],
    {},
  ],
  ["a percentage below one node still allows one", rollout({ strategy: { maxParallel: "10%" } }), five, [], ["a"], {}],
  [
    "a running hook holds its slot; an ended one frees it",
    rollout({ strategy: { maxParallel: 2 } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Running"), hook("b", "Succeeded")],
    ["c"],
    { running: 2, succeeded: 1, pending: 2 },
  ],
  [
    "maxUnavailable counts a NotReady node of the rollout: one slot left",
    rollout({ strategy: { maxParallel: 5, maxUnavailable: 2 } }),
    [node("a"), node("b"), node("c", { ready: false }), node("d")],
    [],
    ["a"],
    {},
  ],
  [
    "a cordoned node is unavailable already, so starting it adds nothing; the next one would",
    rollout({ strategy: { maxParallel: 5, maxUnavailable: 1 } }),
    [node("a", { unschedulable: true }), node("b"), node("c")],
    [],
    ["a"],
    {},
  ],
  [
    "a busy NotReady node counts once; with a cordoned one that makes two: only the cordoned one may start",
    rollout({ strategy: { maxParallel: 5, maxUnavailable: 2 } }, started("a", "b", "c", "d")),
    [node("a", { ready: false }), node("b", { unschedulable: true }), node("c"), node("d")],
    [hook("a", "Running")],
    ["b"],
    { phase: "Progressing", running: 2 },
  ],
  [
    "blocked by maxUnavailable before anything started: Pending with reason MaxUnavailable",
    rollout({ strategy: { maxUnavailable: 1 } }),
    [node("a"), node("b", { ready: false })],
    [],
    [],
    { phase: "Pending", pending: 2, progressing: "MaxUnavailable" },
  ],
  [
    "a NotReady node is passed over for the next one of its batch",
    rollout({ strategy: { maxParallel: 1 } }),
    [node("a", { ready: false }), node("b")],
    [],
    ["b"],
    {},
  ],
  [
    "only NotReady nodes left: reason NodesNotReady naming them",
    rollout({}, started("a", "b")),
    [node("a", { ready: false }), node("b")],
    [hook("b", "Succeeded")],
    [],
    { phase: "Progressing", progressing: "NodesNotReady" },
  ],
  [
    "failureBudget 0: the first failure stops new nodes while one still runs",
    rollout({ strategy: { maxParallel: 2 } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Failed", 10, 3), hook("b", "Running")],
    [],
    { phase: "Progressing", progressing: "FailureBudgetExceeded", failed: 1, running: 1 },
  ],
  [
    "failureBudget exceeded and nothing running: Failed, the rest skipped",
    rollout({ strategy: { maxParallel: 2 } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Failed", 10, 3), hook("b", "Succeeded")],
    [],
    { phase: "Failed", failed: 1, succeeded: 1, skipped: 3, pending: 0, progressing: "FailureBudgetExceeded" },
  ],
  [
    "failureBudget 40% of 5 tolerates two failures",
    rollout({ strategy: { failureBudget: "40%" } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Failed"), hook("b", "Failed")],
    ["c"],
    { phase: "Progressing", failed: 2 },
  ],
  [
    "batches [1, 2]: the first batch is one node",
    rollout({ strategy: { maxParallel: 5, batches: [1, 2] } }),
    five,
    [],
    ["a"],
    { batch: 1, batches: 3 },
  ],
  [
    "batches [1, 2]: the next batch starts once the previous ended; the last size repeats",
    rollout({ strategy: { maxParallel: 5, batches: [1, 2] } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Succeeded")],
    ["b", "c"],
    { batch: 2, batches: 3 },
  ],
  [
    "a batch does not start while the one before still runs",
    rollout({ strategy: { maxParallel: 5, batches: [2] } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Succeeded"), hook("b", "Running")],
    [],
    { batch: 1, progressing: "Running" },
  ],
  [
    "a batch that ended with a failure within the budget lets the next start",
    rollout({ strategy: { maxParallel: 5, batches: [1, "40%"], failureBudget: 1 } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Failed")],
    ["b", "c"],
    { batch: 2, failed: 1 },
  ],
  [
    "partitionBy runs one zone at a time, zones in order, unlabelled nodes last",
    rollout({ strategy: { maxParallel: 5, partitionBy: "zone" } }),
    [node("d"), node("c", {}, { zone: "z2" }), node("b", {}, { zone: "z1" }), node("a", {}, { zone: "z1" })],
    [],
    ["a", "b"],
    { partition: "z1", batch: 1, batches: 3 },
  ],
  [
    "the next partition starts when the first has ended",
    rollout({ strategy: { maxParallel: 5, partitionBy: "zone" } }, started("a", "b", "c", "d")),
    [node("d"), node("c", {}, { zone: "z2" }), node("b", {}, { zone: "z1" }), node("a", {}, { zone: "z1" })],
    [hook("a", "Succeeded"), hook("b", "Succeeded")],
    ["c"],
    { partition: "z2", batch: 2 },
  ],
  [
    "settleSeconds: an ended hook holds its slot until its node has been Ready that long",
    rollout({ strategy: { settleSeconds: 60 } }, started("a", "b")),
    nodes("a", "b"),
    [hook("a", "Succeeded", 30)],
    [],
    { phase: "Progressing", progressing: "Settling", requeueAfterMs: 30_000 },
  ],
  [
    "settleSeconds: counted from the node's return to Ready after a reboot",
    rollout({ strategy: { settleSeconds: 60 } }, started("a", "b")),
    [node("a", { readySince: ago(10) }), node("b")],
    [hook("a", "Succeeded", 300)],
    [],
    { requeueAfterMs: 50_000 },
  ],
  [
    "settleSeconds passed: the slot is free",
    rollout({ strategy: { settleSeconds: 60 } }, started("a", "b")),
    nodes("a", "b"),
    [hook("a", "Succeeded", 61)],
    ["b"],
    {},
  ],
  [
    "a node NotReady after its hook holds the slot even without settleSeconds",
    rollout({}, started("a", "b")),
    [node("a", { ready: false }), node("b")],
    [hook("a", "Succeeded")],
    [],
    { progressing: "Settling", requeueAfterMs: undefined },
  ],
  [
    "paused: nothing starts, running hooks are counted",
    rollout({ paused: true, strategy: { maxParallel: 3 } }, started("a", "b", "c", "d", "e")),
    five,
    [hook("a", "Running")],
    [],
    { phase: "Paused", running: 1, progressing: "Paused" },
  ],
  [
    "paused from the start: Paused, not started",
    rollout({ paused: true }),
    five,
    [],
    [],
    { phase: "Paused", startedAt: undefined },
  ],
  [
    "abort with a hook running: no start, Failed once it ends",
    rollout({ abort: true }, started("a", "b")),
    nodes("a", "b"),
    [hook("a", "Running")],
    [],
    { phase: "Progressing", progressing: "Aborted" },
  ],
  [
    "abort with nothing running: Failed, reason Aborted",
    rollout({ abort: true }, started("a", "b")),
    nodes("a", "b"),
    [hook("a", "Succeeded")],
    [],
    { phase: "Failed", skipped: 1, progressing: "Aborted" },
  ],
  [
    "every node ended within the budget: Succeeded",
    rollout({ strategy: { failureBudget: 1 } }, started("a", "b")),
    nodes("a", "b"),
    [hook("a", "Succeeded"), hook("b", "Failed")],
    [],
    { phase: "Succeeded", succeeded: 1, failed: 1, progressing: "RolloutSucceeded" },
  ],
  [
    "no node matches: Succeeded with nothing to do",
    rollout(),
    [node("x", {}, { pool: "b" })],
    [],
    [],
    { phase: "Succeeded", selected: 0 },
  ],
  [
    "newNodes Ignore: a node matching after the start is left out",
    rollout({}, started("a")),
    nodes("a", "b"),
    [hook("a", "Succeeded")],
    [],
    { phase: "Succeeded", selected: 1 },
  ],
  [
    "newNodes Join: a node matching after the start runs after the recorded ones",
    rollout({ newNodes: "Join", strategy: { maxParallel: 2 } }, started("b")),
    nodes("a", "b"),
    [],
    ["b", "a"],
    { selected: 2, nodes: ["b"] },
  ],
  [
    "a recorded node that no longer matches stays in the rollout",
    rollout({}, started("a", "b")),
    [node("a"), node("b", {}, { pool: "other" })],
    [hook("a", "Succeeded")],
    ["b"],
    {},
  ],
  [
    "a recorded node deleted before its turn is skipped",
    rollout({}, started("a", "b")),
    nodes("a"),
    [hook("a", "Succeeded")],
    [],
    { phase: "Succeeded", skipped: 1, succeeded: 1 },
  ],
  [
    "a node with a hook of the rollout is in it even if it was never recorded",
    rollout({}, started("a")),
    nodes("a", "b"),
    [hook("a", "Succeeded"), hook("b", "Running")],
    [],
    { selected: 2, running: 1 },
  ],
];

describe("planRollout()", () => {
  test.each(cases)("%s", (_, subject, cluster, hooks, start, expected) => {
    const plan = planRollout({ rollout: subject, nodes: cluster, hooks, now: NOW });
    expect(plan.start).toEqual(start);
    const { progressing: reason, requeueAfterMs, ...fields } = expected;
    expect(plan.status).toMatchObject(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
    for (const [key, value] of Object.entries(fields)) if (value === undefined) expect(plan.status).not.toHaveProperty(key);
    if ("progressing" in expected) expect(progressing(plan.status)).toBe(reason as string);
    if ("requeueAfterMs" in expected) expect(plan.requeueAfterMs).toBe(requeueAfterMs as number | undefined);
  });
});
