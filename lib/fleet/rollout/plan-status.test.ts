// planRollout()'s status details: the window, the recorded node set, failures newest first, conditions, the end.

import { describe, expect, test } from "bun:test";
import { ago, hook, NOW, node, nodes, rollout, started } from "../../../tests/support/rollout.ts";
import { planRollout } from "./plan.ts";
import { MAX_FAILED_NODES } from "./reasons.ts";
import type { PlexdRolloutStatus } from "./types.ts";

const condition = (status: { conditions?: { type: string }[] }, type: string) => status.conditions?.find((c) => c.type === type);
// NOW is 12:00 UTC.
const window = (schedule: string) => ({ schedule, duration: "1h", cutoff: "10m" });

describe("planRollout() and the window", () => {
  test("outside the window nothing starts; the status says when the next opens, and the plan looks again then", () => {
    const plan = planRollout({ rollout: rollout({ window: window("0 13 * * *") }), nodes: nodes("a"), hooks: [], now: NOW });
    expect(plan.start).toEqual([]);
    expect(plan.status).toMatchObject({ phase: "Waiting", nextWindowStart: "2026-03-10T13:00:00.000Z" });
    expect(condition(plan.status, "Progressing")).toMatchObject({ status: "False", reason: "OutsideWindow" });
    expect(plan.requeueAfterMs).toBe(3600_000);
  });

  test("inside the window nodes start, and the plan looks again when the cutoff begins", () => {
    const plan = planRollout({ rollout: rollout({ window: window("30 11 * * *") }), nodes: nodes("a"), hooks: [], now: NOW });
    expect(plan.start).toEqual(["a"]);
    expect(plan.status).not.toHaveProperty("nextWindowStart");
    expect(plan.requeueAfterMs).toBe(20 * 60_000);
  });

  test("within the cutoff nothing starts, but running hooks go on", () => {
    const subject = rollout({ window: window("0 11 * * *") }, started("a", "b"));
    const plan = planRollout({ rollout: subject, nodes: nodes("a", "b"), hooks: [hook("a", "Running")], now: NOW });
    expect(plan.start).toEqual([]);
    expect(plan.status).toMatchObject({ phase: "Waiting", running: 1, nextWindowStart: "2026-03-11T11:00:00.000Z" });
  });

  test("a window that cannot be read waits with reason InvalidWindow and the error", () => {
    const subject = rollout({ window: { schedule: "0 13 * * *", duration: "1h", timeZone: "Nowhere/Else" } });
    const plan = planRollout({ rollout: subject, nodes: nodes("a"), hooks: [], now: NOW });
    expect(plan.start).toEqual([]);
    expect(condition(plan.status, "Progressing")).toMatchObject({
      reason: "InvalidWindow",
      message: expect.stringContaining("Nowhere/Else"),
    });
  });
});

describe("planRollout()'s status", () => {
  test("the first start records the time and the node set in run order", () => {
    const subject = rollout({ strategy: { partitionBy: "zone" } });
    const cluster = [node("a", {}, { zone: "z2" }), node("b", {}, { zone: "z1" }), node("x", {}, { pool: "b" })];
    const plan = planRollout({ rollout: subject, nodes: cluster, hooks: [], now: NOW });
    expect(plan.status).toMatchObject({ startedAt: NOW.toISOString(), nodes: ["b", "a"], observedGeneration: 1 });
  });

  test("keeps the failures newest first, at most MAX_FAILED_NODES, with exit code and message", () => {
    const names = Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, "0")}`);
    const hooks = names.map((n, i) => hook(n, "Failed", 100 - i, i));
    const subject = rollout({ strategy: { failureBudget: "100%" } }, started(...names));
    const { status } = planRollout({ rollout: subject, nodes: nodes(...names), hooks, now: NOW });
    expect(status.failedNodes).toHaveLength(MAX_FAILED_NODES);
    expect(status.failedNodes?.[0]).toEqual({
      node: "n24",
      hook: "r-n24",
      exitCode: 24,
      message: "exit 24",
      completedAt: ago(76),
    });
    expect(status.failedNodes?.at(-1)?.node).toBe("n05");
  });

  test("a condition whose status does not change keeps its lastTransitionTime", () => {
    const previous = {
      type: "Progressing",
      status: "True" as const,
      reason: "Running",
      message: "1 running",
      lastTransitionTime: ago(500),
    };
    const subject = rollout({ strategy: { maxParallel: 2 } }, { ...started("a", "b", "c"), conditions: [previous] });
    const { status } = planRollout({ rollout: subject, nodes: nodes("a", "b", "c"), hooks: [hook("a", "Running")], now: NOW });
    expect(condition(status, "Progressing")).toMatchObject({
      status: "True",
      lastTransitionTime: ago(500),
      message: "2 running",
    });
  });

  test("success sets Complete, failure sets Failed, with the reason", () => {
    const done = planRollout({
      rollout: rollout({}, started("a")),
      nodes: nodes("a"),
      hooks: [hook("a", "Succeeded")],
      now: NOW,
    });
    expect(condition(done.status, "Complete")).toMatchObject({ status: "True", reason: "RolloutSucceeded" });
    expect(done.status.completedAt).toBe(NOW.toISOString());
    const failed = planRollout({ rollout: rollout({}, started("a")), nodes: nodes("a"), hooks: [hook("a", "Failed")], now: NOW });
    expect(condition(failed.status, "Failed")).toMatchObject({ status: "True", reason: "FailureBudgetExceeded" });
    expect(condition(failed.status, "Complete")).toBeUndefined();
  });

  test("an ended rollout is over: its status stands and nothing starts, whatever happens to its hooks", () => {
    const ended = { ...started("a", "b"), phase: "Failed" as const, completedAt: ago(10), failed: 1 };
    const plan = planRollout({ rollout: rollout({}, ended), nodes: nodes("a", "b"), hooks: [], now: NOW });
    expect(plan).toEqual({ start: [], status: ended });
  });

  test("the same input gives the same plan", () => {
    const input = { rollout: rollout({ strategy: { maxParallel: 3 } }), nodes: nodes("c", "a", "b", "d"), hooks: [], now: NOW };
    expect(planRollout(input)).toEqual(planRollout(input));
    expect(planRollout(input).start).toEqual(["a", "b", "c"]);
  });
});

describe("planRollout() and hook creates the API server refused", () => {
  const REFUSED = 'plexdhooks.plexd.plexsphere.com "r-b" is forbidden: ValidatingAdmissionPolicy denied request';
  const refusal = { message: REFUSED, at: ago(5) };
  const recorded = { node: "b", hook: "r-b", reason: "HookCreateRefused", message: REFUSED, completedAt: ago(5) };
  const table: Array<{
    name: string;
    budget?: number | string;
    refused?: Map<string, typeof refusal>;
    failedNodes?: (typeof recorded)[];
    hooks?: ReturnType<typeof hook>[];
    want: { phase: PlexdRolloutStatus["phase"]; failed: number; start: string[]; refusedCondition: boolean };
  }> = [
    {
      name: "a refusal just seen fails the node; over a budget of 0 the rollout ends Failed",
      refused: new Map([["b", refusal]]),
      hooks: [hook("a", "Succeeded")],
      want: { phase: "Failed", failed: 1, start: [], refusedCondition: true },
    },
    {
      name: "a refusal the status recorded still counts after a restart: the node is not tried again",
      budget: "100%",
      failedNodes: [recorded],
      hooks: [hook("a", "Succeeded")],
      want: { phase: "Progressing", failed: 1, start: ["c"], refusedCondition: true },
    },
    {
      name: "a hook that exists wins over a refusal (it was created after all)",
      refused: new Map([["b", refusal]]),
      hooks: [hook("a", "Succeeded"), hook("b", "Running")],
      want: { phase: "Progressing", failed: 0, start: [], refusedCondition: false },
    },
    {
      name: "no refusal, no HooksRefused condition",
      hooks: [hook("a", "Succeeded")],
      want: { phase: "Progressing", failed: 0, start: ["b"], refusedCondition: false },
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const status = { ...started("a", "b", "c"), ...(row.failedNodes && { failedNodes: row.failedNodes }) };
      const subject = rollout({ strategy: { failureBudget: row.budget ?? 0 } }, status);
      const plan = planRollout({
        rollout: subject,
        nodes: nodes("a", "b", "c"),
        hooks: row.hooks ?? [],
        refused: row.refused,
        now: NOW,
      });
      expect({ phase: plan.status.phase, failed: plan.status.failed, start: plan.start }).toEqual({
        phase: row.want.phase,
        failed: row.want.failed,
        start: row.want.start,
      });
      const refused = condition(plan.status, "HooksRefused");
      if (!row.want.refusedCondition) {
        expect(refused).toBeUndefined();
        return;
      }
      expect(plan.status.failedNodes).toEqual([recorded]);
      expect(refused).toMatchObject({ status: "True", reason: "HookCreateRefused" });
      expect((refused as unknown as { message: string }).message).toBe(
        `The API server refused to create the hook of 1 node(s) (b): ${REFUSED}. Change what refuses it (an admission ` +
          "policy, a ResourceQuota, the template's fields it rejects); the template cannot change once the rollout " +
          "started, so fix it in a new rollout",
      );
    });
  }
});
