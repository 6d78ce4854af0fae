// A PlexdRollout whose template drains, over 10 kwok nodes with maxUnavailable 1: node agents run the Jobs, the
// fleet controller the rollout and the drains. Sampled from the API server: never two nodes cordoned at once.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readAuditLog } from "../cluster/audit.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { APPS, grantDrainFinalizer, nodeState, podsOf } from "./support/drain.ts";
import { type Operator, startOperator } from "./support/operator.ts";
import { denyingPolicy } from "./support/policies.ts";
import { most, rolloutJson, sampler, startFleet, waitRollout } from "./support/rollouts.ts";

const NS = "e2e-rollout-drain";
const CLUSTER_USER = "system:serviceaccount:plexd-system:plexd-cluster";
/** d-01 … d-10. */
const NODES = Array.from({ length: 10 }, (_, i) => `d-${String(i + 1).padStart(2, "0")}`);
const APP = "spread";
let env: Setup;
const operators: Operator[] = [];
let fleet: Operator;

beforeAll(async () => {
  env = await sharedCluster({ nodes: NODES });
  await env.namespace(NS);
  await grantDrainFinalizer(env, NS);
  await env.k(["label", "node", ...NODES, "pool=drain"]);
  // Every node's own agent (its DaemonSet pod's token), not cluster mode: the fleet controller alone drains.
  for (const node of NODES) {
    operators.push(startOperator(["--kubeconfig", await env.nodeKubeconfig(node), "--namespace", NS, "--node-name", node]));
  }
  await Promise.all(operators.map((op) => op.waitReady()));
  fleet = await startFleet(env, NS);
  operators.push(fleet);
  // Something to evict on every node: one pod each (a hard anti-affinity), under a budget of one at a time.
  await env.k(["create", "namespace", APPS]);
  await env.k(["apply", "-f", "-"], JSON.stringify(spreadDeployment()));
  await env.k(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: `${APP}-pdb`, namespace: APPS },
      spec: { selector: { matchLabels: { app: APP } }, maxUnavailable: 1 },
    }),
  );
  await waitFor(
    "a running pod of the app on every node",
    async () => new Set((await podsOf(env, APP)).filter((p) => p.phase === "Running").map((p) => p.node)).size === NODES.length,
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}, 600_000);

afterAll(async () => {
  await Promise.all(operators.map((op) => op.stop()));
});

/** One replica per node at most: after a drain, the evicted pod waits Pending until its node is uncordoned again. */
function spreadDeployment(): object {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: APP, namespace: APPS },
    spec: {
      replicas: NODES.length,
      selector: { matchLabels: { app: APP } },
      template: {
        metadata: { labels: { app: APP } },
        spec: {
          nodeSelector: { pool: "drain" },
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: APP } }, topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
          containers: [{ name: "app", image: "plexd.test/app" }],
        },
      },
    },
  };
}

/** Successful patches of each node by the fleet controller's account, from the audit log. */
function nodePatches(): Map<string, number> {
  const byNode = new Map<string, number>();
  for (const e of readAuditLog(env.cluster.auditLogPath as string, "ResponseComplete")) {
    if (e.verb !== "patch" || e.objectRef?.resource !== "nodes" || e.objectRef.subresource) continue;
    if (e.user.username !== CLUSTER_USER || e.responseStatus?.code !== 200) continue;
    byNode.set(e.objectRef.name ?? "", (byNode.get(e.objectRef.name ?? "") ?? 0) + 1);
  }
  return byNode;
}

describe("a PlexdRollout with drain", () => {
  test("maxUnavailable 1 over 10 nodes: never two nodes cordoned at once; each drained, hooked, uncordoned once; Succeeded", async () => {
    const before = await podsOf(env, APP);
    // Sampling from before the rollout exists: the first sample sees every node uncordoned.
    const sampling = sampler(env, NS, "drained", NODES);
    await waitFor("a first sample", () => sampling.samples.length > 0, { timeoutMs: 10_000, intervalMs: 20 });
    await env.k(
      ["apply", "-f", "-"],
      rolloutJson("drained", NS, {
        nodeSelector: { matchLabels: { pool: "drain" } },
        template: {
          hookName: "maintain",
          jobTemplate: { image: "plexd.test/run-1s" },
          drain: { enabled: true, timeoutSeconds: 120 },
        },
        strategy: { maxParallel: 10, maxUnavailable: 1 },
      }),
    );
    const rollout = await waitRollout(env, NS, "drained", ["Succeeded", "Failed"], 280_000).catch(async (err) => {
      console.error(JSON.stringify((await env.json(["get", "pr", "drained", "-n", NS])).status, null, 1));
      throw err;
    });
    const samples = await sampling.stop();
    expect(rollout.status).toMatchObject({ phase: "Succeeded", selected: 10, succeeded: 10, failed: 0, skipped: 0 });

    // The limit at every instant: at most one node cordoned, and at most one unavailable (cordoned or running a hook).
    expect(samples.length).toBeGreaterThan(50);
    expect(most(samples, (s) => s.cordoned.length)).toBe(1);
    expect(most(samples, (s) => s.unavailable.length)).toBe(1);
    // Each node was seen cordoned in one unbroken stretch: cordoned once, uncordoned once.
    expect(samples[0]?.cordoned).toEqual([]);
    for (const node of NODES) {
      const flips = samples.filter((s, i) => i > 0 && s.cordoned.includes(node) !== samples[i - 1]?.cordoned.includes(node));
      expect({ node, flips: flips.length }).toEqual({ node, flips: 2 });
    }

    const hooks = (await env.json(["get", "plexdhooks", "-n", NS, "-l", "plexd.plexsphere.com/rollout=drained"])).items as any[];
    expect(hooks.map((h) => h.spec.nodeName).toSorted()).toEqual(NODES);
    for (const hook of hooks) {
      const node = hook.spec.nodeName;
      expect({ node, phase: hook.status.phase, stage: hook.status.drain?.stage }).toEqual({
        node,
        phase: "Succeeded",
        stage: "Released",
      });
      // Drained before its Job was made.
      const job = await env.json(["get", "job", hook.status.jobName, "-n", NS]);
      expect(Date.parse(job.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(hook.status.drain.drainedAt) - 1000);
      expect(await nodeState(env, node)).toEqual({ unschedulable: false, cordonedBy: undefined });
    }
    // One cordon and one uncordon per node, by the fleet controller, and nothing more.
    const patches = nodePatches();
    expect(NODES.map((n) => [n, patches.get(n)])).toEqual(NODES.map((n) => [n, 2]));
    const cordons = fleet.logs.filter((l) => l.msg === "node patched for a drain");
    for (const node of NODES) {
      expect(cordons.filter((l) => l.node === node).map((l) => l.unschedulable)).toEqual([true, false]);
    }
    // The fleet controller's /metrics: the rollout by phase, and its nodes by state.
    expect(await fleet.metric("plexd_hook_rollouts", { phase: "Succeeded" })).toBe(1);
    expect(await fleet.metric("plexd_hook_rollout_nodes", { rollout: "drained", state: "succeeded" })).toBe(10);
    expect(await fleet.metric("plexd_hook_rollout_nodes", { rollout: "drained", state: "failed" })).toBe(0);
    // Every pod that was on a node was evicted from it.
    const after = new Set((await podsOf(env, APP)).map((p) => p.name));
    for (const pod of before) expect(after.has(pod.name)).toBe(false);
  }, 300_000);
});

describe("a PlexdRollout whose hook the API server refuses", () => {
  test("a ValidatingAdmissionPolicy refusing one node's hook: that node Failed with HookCreateRefused and the policy's words, the others run", async () => {
    const name = "e2e-refuse-rollout-hook";
    const message = "hooks on d-05 are refused by the test's policy";
    const policy = denyingPolicy({
      ...{ name, namespace: NS, operations: ["CREATE"], resource: "plexdhooks" },
      ...{ expression: "object.spec.nodeName != 'd-05'", message },
    });
    await env.k(["apply", "-f", "-"], policy);
    const probe = hookYaml("probe-d-05", NS, { hookName: "probe", nodeName: "d-05" });
    await waitFor(
      "the policy to refuse",
      async () => (await env.tryK(["apply", "--dry-run=server", "-f", "-"], probe)).stderr.includes(message),
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    try {
      const three = ["d-04", "d-05", "d-06"];
      await env.k(
        ["apply", "-f", "-"],
        rolloutJson("refused", NS, {
          nodeSelector: { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: three }] },
          template: { hookName: "maintain", jobTemplate: { image: "busybox" } },
          strategy: { maxParallel: 3, failureBudget: 1 },
        }),
      );
      const rollout = await waitRollout(env, NS, "refused", ["Succeeded", "Failed"]);
      expect(rollout.status).toMatchObject({ phase: "Succeeded", selected: 3, succeeded: 2, failed: 1 });
      expect(rollout.status.failedNodes).toEqual([
        expect.objectContaining({
          node: "d-05",
          hook: "refused-d-05",
          reason: "HookCreateRefused",
          message: expect.stringContaining(message),
        }),
      ]);
      const refused = rollout.status.conditions.find((c: any) => c.type === "HooksRefused");
      expect(refused).toMatchObject({ status: "True", reason: "HookCreateRefused" });
      expect(refused.message).toContain(`(d-05): `);
      expect(refused.message).toContain(message);
      expect(refused.message).toContain("Change what refuses it");
      const hooks = (await env.json(["get", "plexdhooks", "-n", NS, "-l", "plexd.plexsphere.com/rollout=refused"]))
        .items as any[];
      expect(hooks.map((h) => h.spec.nodeName).toSorted()).toEqual(["d-04", "d-06"]);
      await waitFor(
        "the refused node in the fleet controller's metrics",
        async () => (await fleet.metric("plexd_hook_rollout_nodes", { rollout: "refused", state: "failed" })) === 1,
        { timeoutMs: 5_000, intervalMs: 100 },
      );
    } finally {
      await env.k(["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", name]);
    }
  }, 120_000);
});

describe("cluster mode (--all-nodes) alone", () => {
  test("runs a rollout with drain: it holds the fleet controller's Lease after deferring 15 s, drains one node at a time, Succeeded", async () => {
    const ns = await env.namespace("e2e-rollout-cluster");
    await grantDrainFinalizer(env, ns);
    const cluster = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", ns, "--all-nodes"]);
    operators.push(cluster);
    const three = NODES.slice(0, 3);
    await env.k(
      ["apply", "-f", "-"],
      rolloutJson("clustered", ns, {
        nodeSelector: { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: three }] },
        template: { hookName: "maintain", jobTemplate: { image: "busybox" }, drain: { enabled: true, timeoutSeconds: 120 } },
        strategy: { maxParallel: 3, maxUnavailable: 1 },
      }),
    );
    const sampling = sampler(env, ns, "clustered", three);
    const rollout = await waitRollout(env, ns, "clustered", ["Succeeded", "Failed"], 150_000);
    const samples = await sampling.stop();
    expect(rollout.status).toMatchObject({ phase: "Succeeded", selected: 3, succeeded: 3 });
    expect(most(samples, (s) => s.cordoned.length)).toBe(1);
    const lease = await env.json(["get", "lease", "plexd-hook-fleet", "-n", ns]);
    expect(lease.spec.holderIdentity).toStartWith("cluster_");
    const became = cluster.logs.find((l) => l.msg === "became leader" && l.lease === "plexd-hook-fleet");
    const started = cluster.logs.find((l) => l.msg === "plexdhook controller started");
    expect(Date.parse(String(became?.time)) - Date.parse(String(started?.time))).toBeGreaterThanOrEqual(15_000);
    for (const node of three) expect(await nodeState(env, node)).toEqual({ unschedulable: false, cordonedBy: undefined });
    // Cluster mode exports the rollouts it runs, as the fleet controller does.
    expect(await cluster.metric("plexd_hook_rollout_nodes", { rollout: "clustered", state: "succeeded" })).toBe(3);
  }, 200_000);
});
