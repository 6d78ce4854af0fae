// The metrics that are counted from something else: the rollout gauges, and the failures' help from the reasons.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { FAILED_WITHOUT_JOB_REASONS } from "../core/reasons.ts";
import { Metrics } from "./metrics.ts";
import { type RolloutSummary, rolloutCounts } from "./rollout-counts.ts";

const rollout = (name: string, status?: RolloutSummary["status"]): RolloutSummary => ({
  metadata: { name },
  ...(status && { status }),
});

describe("rolloutCounts()", () => {
  const table: Array<{ name: string; rollouts: RolloutSummary[]; phases: Record<string, number>; nodes: string[] }> = [
    {
      name: "no rollout: every phase at 0, no node series",
      rollouts: [],
      phases: {},
      nodes: [],
    },
    {
      name: "a rollout not yet planned counts as None, its nodes at 0",
      rollouts: [rollout("fresh")],
      phases: { None: 1 },
      nodes: ["fresh pending 0", "fresh running 0", "fresh succeeded 0", "fresh failed 0", "fresh skipped 0"],
    },
    {
      name: "two running, one ended: by phase, and each one's counts",
      rollouts: [
        rollout("a", { phase: "Progressing", pending: 3, running: 2, succeeded: 5, failed: 1 }),
        rollout("b", { phase: "Progressing", running: 1 }),
        rollout("c", { phase: "Failed", succeeded: 2, failed: 2, skipped: 6 }),
      ],
      phases: { Progressing: 2, Failed: 1 },
      nodes: [
        ...["a pending 3", "a running 2", "a succeeded 5", "a failed 1", "a skipped 0"],
        ...["b pending 0", "b running 1", "b succeeded 0", "b failed 0", "b skipped 0"],
        ...["c pending 0", "c running 0", "c succeeded 2", "c failed 2", "c skipped 6"],
      ],
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const counts = rolloutCounts(row.rollouts);
      const zero = { Pending: 0, Progressing: 0, Waiting: 0, Paused: 0, Succeeded: 0, Failed: 0, None: 0 };
      expect(Object.fromEntries(counts.phases)).toEqual({ ...zero, ...row.phases });
      expect(counts.nodes.map((n) => `${n.rollout} ${n.state} ${n.count}`)).toEqual(row.nodes);
    });
  }
});

describe("Metrics", () => {
  test("the rollout gauges read their source at each scrape: a rollout gone since leaves no series", async () => {
    const metrics = new Metrics();
    let rollouts = [rollout("a", { phase: "Progressing", running: 2 }), rollout("b", { phase: "Succeeded", succeeded: 4 })];
    metrics.countRolloutsWith(() => rollouts);
    let text = await metrics.registry.metrics();
    expect(text).toContain('plexd_hook_rollouts{phase="Progressing"} 1');
    expect(text).toContain('plexd_hook_rollout_nodes{rollout="b",state="succeeded"} 4');
    rollouts = [rollouts[0] as RolloutSummary];
    text = await metrics.registry.metrics();
    expect(text).toContain('plexd_hook_rollouts{phase="Succeeded"} 0');
    expect(text).not.toContain('rollout="b"');
    expect(text).toContain('plexd_hook_rollout_nodes{rollout="a",state="running"} 2');
  });

  test("plexd_hook_failures_total's help and docs/operations.md name every reason a hook fails without a Job", async () => {
    const help = (await new Metrics().registry.getSingleMetricAsString("plexd_hook_failures_total")).split("\n")[0];
    expect(help).toBe(
      `# HELP plexd_hook_failures_total Hooks this controller marked Failed without a Job outcome, by reason (${FAILED_WITHOUT_JOB_REASONS.join(", ")}).`,
    );
    const docs = readFileSync(new URL("../../docs/operations.md", import.meta.url), "utf8");
    const row = docs.split("\n").find((line) => line.startsWith("| `plexd_hook_failures_total`")) ?? "";
    expect([...row.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1])).toEqual([...FAILED_WITHOUT_JOB_REASONS]);
  });
});
