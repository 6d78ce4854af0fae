// PlexdRollout on 33 kwok nodes in 3 zones: every strategy field, with the running hooks and unavailable nodes
// sampled from the API server while each rollout runs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Setup, sharedCluster } from "./support/cluster.ts";
import {
  type Executors,
  endSeen,
  firstSeen,
  labelNodes,
  most,
  NODES,
  PER_ZONE,
  rolloutJson,
  sampler,
  startExecutors,
  waitRollout,
  ZONE_LABEL,
  ZONES,
  zoneOf,
} from "./support/rollouts.ts";

const NS = "e2e-rollout";
let env: Setup;
let run: Executors;

beforeAll(async () => {
  env = await sharedCluster({ nodes: NODES });
  await env.namespace(NS);
  await labelNodes(env);
  run = await startExecutors(env, NS);
}, 600_000);

afterAll(async () => {
  await Promise.all([run?.executor.stop(), run?.fleet.stop()]);
});

const template = (image = "plexd.test/run-1s") => ({ hookName: "upgrade", jobTemplate: { image } });
const inZone = (zone: string) => ({ matchLabels: { [ZONE_LABEL]: zone } });
const apply = (name: string, spec: object) => env.k(["apply", "-f", "-"], rolloutJson(name, NS, spec));
const hooksOf = async (name: string): Promise<any[]> =>
  (await env.json(["get", "plexdhooks", "-n", NS, "-l", `plexd.plexsphere.com/rollout=${name}`])).items;

describe("a PlexdRollout", () => {
  test("maxParallel 5 over 33 nodes: never more than 5 hooks running in any sample, each node once, kubectl get pr shows it", async () => {
    await apply("par", { nodeSelector: { matchLabels: { pool: "all" } }, template: template(), strategy: { maxParallel: 5 } });
    const sampling = sampler(env, NS, "par", NODES);
    const rollout = await waitRollout(env, NS, "par", ["Succeeded", "Failed"]);
    const samples = await sampling.stop();
    expect(rollout.status).toMatchObject({ phase: "Succeeded", selected: 33, succeeded: 33, failed: 0, skipped: 0 });
    expect(most(samples, (s) => s.running.length)).toBe(5);
    const hooks = await hooksOf("par");
    expect(hooks.map((h) => h.spec.nodeName).toSorted()).toEqual(NODES.toSorted());
    expect(hooks.every((h) => h.metadata.ownerReferences[0].uid === rollout.metadata.uid)).toBe(true);
    const table = await env.k(["get", "pr", "par", "-n", NS]);
    expect(table).toMatch(/^NAME\s+PHASE\s+NODES\s+RUNNING\s+SUCCEEDED\s+FAILED\s+AGE\npar\s+Succeeded\s+33\s+0\s+33\s+0\s/);
  }, 180_000);

  test("partitionBy zone and batches [1, 3, 10%]: zones in order, a batch only after the one before ended; failureBudget 1 takes one failure", async () => {
    await env.k(["label", "node", "r-z1-03", "plexd.test/fail-exit=5"]);
    try {
      await apply("ramp", {
        nodeSelector: { matchLabels: { pool: "all" } },
        template: template(),
        strategy: { maxParallel: "100%", partitionBy: ZONE_LABEL, batches: [1, 3, "10%"], failureBudget: 1 },
      });
      const sampling = sampler(env, NS, "ramp", NODES);
      const rollout = await waitRollout(env, NS, "ramp", ["Succeeded", "Failed"], 170_000);
      const samples = await sampling.stop();
      // Sizes 1, 3, then 10% of 33 = 3 repeating, each batch cut where its zone ends.
      const segments: string[][] = [];
      const sizes = (i: number) => [1, 3][i] ?? 3;
      for (const zone of ZONES) {
        const nodes = NODES.filter((n) => zoneOf(n) === zone);
        while (nodes.length > 0) segments.push(nodes.splice(0, sizes(segments.length)));
      }
      expect(rollout.status).toMatchObject({ phase: "Succeeded", succeeded: 32, failed: 1, batches: segments.length });
      expect(rollout.status.failedNodes[0]).toMatchObject({ node: "r-z1-03", exitCode: 5 });
      const segmentOf = new Map(segments.flatMap((nodes, i) => nodes.map((n) => [n, i] as const)));
      for (const sample of samples) {
        const lowestRunning = Math.min(...sample.running.map((n) => segmentOf.get(n) as number));
        for (const node of sample.hooks.keys()) expect(segmentOf.get(node) as number).toBeLessThanOrEqual(lowestRunning);
      }
      const started = firstSeen(samples);
      for (const [a, b] of [
        ["z1", "z2"],
        ["z2", "z3"],
      ] as const) {
        const lastOfA = Math.max(...NODES.filter((n) => zoneOf(n) === a).map((n) => started.get(n) as number));
        const firstOfB = Math.min(...NODES.filter((n) => zoneOf(n) === b).map((n) => started.get(n) as number));
        expect(firstOfB).toBeGreaterThan(lastOfA);
      }
    } finally {
      await env.k(["label", "node", "r-z1-03", "plexd.test/fail-exit-"]);
    }
  }, 180_000);

  test("failureBudget 0: the first failure stops new nodes; it ends Failed with FailureBudgetExceeded, the rest skipped", async () => {
    await env.k(["label", "node", "r-z2-01", "plexd.test/fail-exit=3"]);
    try {
      await apply("strict", { nodeSelector: inZone("z2"), template: template(), strategy: { maxParallel: 2 } });
      const rollout = await waitRollout(env, NS, "strict", ["Succeeded", "Failed"]);
      expect(rollout.status.phase).toBe("Failed");
      expect(rollout.status.conditions.find((c: any) => c.type === "Failed")).toMatchObject({ reason: "FailureBudgetExceeded" });
      expect(rollout.status.failed).toBe(1);
      expect(rollout.status.skipped).toBe(PER_ZONE - (await hooksOf("strict")).length);
      expect(rollout.status.skipped).toBeGreaterThan(0);
    } finally {
      await env.k(["label", "node", "r-z2-01", "plexd.test/fail-exit-"]);
    }
  }, 120_000);

  test("settleSeconds 4: the next node starts only once the last one has been Ready 4 s after its hook", async () => {
    const three = ["r-z3-01", "r-z3-02", "r-z3-03"];
    await apply("settle", {
      nodeSelector: { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: three }] },
      template: template("busybox"),
      strategy: { settleSeconds: 4 },
    });
    const sampling = sampler(env, NS, "settle", three);
    await waitRollout(env, NS, "settle", ["Succeeded"]);
    const samples = await sampling.stop();
    const [started, ended] = [firstSeen(samples), endSeen(samples)];
    // completedAt has whole seconds, so the settle may end up to a second early against the real end.
    for (let i = 1; i < three.length; i++) {
      expect((started.get(three[i] as string) as number) - (ended.get(three[i - 1] as string) as number)).toBeGreaterThan(2_800);
    }
  }, 120_000);

  test("newNodes Ignore keeps the nodes recorded at the start; Join also runs a node that matches later", async () => {
    for (const [name, newNodes, pool, late] of [
      ["fixed", "Ignore", "late-a", "r-z3-07"],
      ["joining", "Join", "late-b", "r-z3-08"],
    ] as const) {
      const first = name === "fixed" ? ["r-z3-04", "r-z3-05"] : ["r-z3-09", "r-z3-10"];
      await env.k(["label", "node", ...first, `pool-late=${pool}`]);
      await apply(name, {
        nodeSelector: { matchLabels: { "pool-late": pool } },
        template: template("plexd.test/run-2s"),
        newNodes,
      });
      await waitRollout(env, NS, name, ["Progressing"]);
      await env.k(["label", "node", late, `pool-late=${pool}`]);
      const rollout = await waitRollout(env, NS, name, ["Succeeded"]);
      const ran = (await hooksOf(name)).map((h) => h.spec.nodeName).toSorted();
      expect(rollout.status.nodes).toEqual(first);
      expect(ran).toEqual(newNodes === "Join" ? [...first, late].toSorted() : first);
      expect(rollout.status.selected).toBe(ran.length);
    }
  }, 120_000);
});
