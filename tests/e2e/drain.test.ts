// Drains on kwok nodes with Deployments and PodDisruptionBudgets: the fleet controller cordons, evicts
// within the budgets, lets the node agent run the hook, and uncordons only what it cordoned.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readAuditLog } from "../cluster/audit.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { APPS, budget, deployOn, grantDrainFinalizer, nodeState, podsOf } from "./support/drain.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-drain";
const CLUSTER_USER = "system:serviceaccount:plexd-system:plexd-cluster";
let env: Setup;
let fleet: Operator;
const operators: Operator[] = [];

function startFleet(): Operator {
  const op = startOperator(["fleet", "--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--agent-selector="]);
  operators.push(op);
  return op;
}

const getHook = (name: string) => env.json(["get", "plexdhook", name, "-n", NS]);
const drainOf = async (name: string) => (await getHook(name)).status?.drain ?? {};
const hasJob = async (name: string) => (await env.tryK(["get", "job", `plexdhook-${name}`, "-n", NS])).code === 0;

function waitStage(name: string, stage: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    `${name} to reach drain stage ${stage}`,
    async () => {
      const status = (await getHook(name)).status;
      return status?.drain?.stage === stage && status;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

function drainHook(name: string, node: string, drain: object = {}, spec: object = {}): Promise<string> {
  return env.k(
    ["apply", "-f", "-"],
    hookYaml(name, NS, { hookName: name, nodeName: node, drain: { enabled: true, ...drain }, ...spec }),
  );
}

/** Successful evictions (201) and refusals (429) of each pod of APPS, from the audit log. */
function evictions(): Map<string, { evicted: number; refused: number }> {
  const byPod = new Map<string, { evicted: number; refused: number }>();
  for (const e of readAuditLog(env.cluster.auditLogPath as string, "ResponseComplete")) {
    if (e.objectRef?.subresource !== "eviction" || e.objectRef.namespace !== APPS || e.user.username !== CLUSTER_USER) continue;
    const counts = byPod.get(e.objectRef.name ?? "") ?? { evicted: 0, refused: 0 };
    if (e.responseStatus?.code === 201) counts.evicted++;
    if (e.responseStatus?.code === 429) counts.refused++;
    byPod.set(e.objectRef.name ?? "", counts);
  }
  return byPod;
}

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  await grantDrainFinalizer(env, NS);
  await env.k(["create", "namespace", APPS]);
  for (const node of env.cluster.nodes) {
    const agent = startOperator(["--kubeconfig", await env.nodeKubeconfig(node), "--namespace", NS, "--node-name", node]);
    operators.push(agent);
  }
  fleet = startFleet();
  await Promise.all(operators.map((op) => op.waitReady()));
}, 600_000);

afterAll(async () => {
  await Promise.all(operators.map((op) => op.stop()));
});

describe("a drain before the hook", () => {
  test("evicts a Deployment's pods within its PodDisruptionBudget, then runs the hook, then uncordons the node", async () => {
    const before = await deployOn(env, "node-a", "web", 3);
    await budget(env, "web", { minAvailable: 2 });
    await drainHook("maintain", "node-a");
    const done = await waitFor(
      "maintain to end",
      async () => {
        const status = (await getHook("maintain")).status;
        return status?.phase === "Succeeded" && status.drain?.stage === "Released" && status;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    ).catch(async (err) => {
      console.error(JSON.stringify((await getHook("maintain")).status, null, 1));
      throw err;
    });
    expect(done.drain.message).toBe("Node node-a uncordoned");
    expect(await nodeState(env, "node-a")).toEqual({ unschedulable: false, cordonedBy: undefined });
    // Every pod went elsewhere; the ReplicaSet made new ones on the other nodes.
    const after = await podsOf(env, "web");
    expect(after.filter((p) => p.node === "node-a")).toEqual([]);
    expect(after.filter((p) => p.phase === "Running")).toHaveLength(3);
    // The Job was created only once the node was drained.
    const job = await env.json(["get", "job", "plexdhook-maintain", "-n", NS]);
    expect(Date.parse(job.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(done.drain.drainedAt) - 1000);
    for (const pod of before) expect(evictions().get(pod)?.evicted).toBe(1);
    const events = await env.json(["get", "events", "-n", NS, "--field-selector", "involvedObject.name=maintain"]);
    expect((events.items as any[]).map((e) => e.reason)).toEqual(expect.arrayContaining(["Cordoned", "Drained", "Uncordoned"]));
    await env.k(["delete", "deployment/web", "pdb/web-pdb", "-n", APPS]);
  }, 180_000);

  test("a PodDisruptionBudget with maxUnavailable 0 blocks until the timeout: Failed DrainTimeout, no Job, node uncordoned", async () => {
    const [pod] = await deployOn(env, "node-b", "pinned", 1);
    await budget(env, "pinned", { maxUnavailable: 0 });
    await drainHook("blocked", "node-b", { timeoutSeconds: 8 });
    // Other pods on the node (the fleet Deployment's, under their own budget) may block for a moment too.
    const blocked = await waitFor(
      "blocked to be held back by the pinned pod",
      async () => {
        const status = (await getHook("blocked")).status;
        return status?.drain?.blockingPod === `${APPS}/${pod}` && status;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(blocked.phase).toBe("Pending");
    expect(blocked.drain.stage).toBe("Blocked");
    expect(blocked.drain.blockingReason).toContain("pinned-pdb");
    expect(blocked.conditions.find((c: any) => c.type === "JobCreated").reason).toBe("DrainBlocked");
    expect(await nodeState(env, "node-b")).toEqual({ unschedulable: true, cordonedBy: `${NS}/blocked` });
    const failed = await waitStage("blocked", "Released", 60_000);
    expect(failed.phase).toBe("Failed");
    expect(failed.conditions.find((c: any) => c.type === "Succeeded").reason).toBe("DrainTimeout");
    expect(failed.message).toMatch(
      /^Draining node node-b did not finish within 8 s with \d+ pods? left; pod \S+: .+\. The hook's Job was not created$/,
    );
    expect(await hasJob("blocked")).toBe(false);
    expect(await nodeState(env, "node-b")).toEqual({ unschedulable: false, cordonedBy: undefined });
    expect((await podsOf(env, "pinned")).map((p) => p.node)).toEqual(["node-b"]);
    expect(evictions().get(pod as string)).toMatchObject({ evicted: 0 });
    expect(evictions().get(pod as string)?.refused).toBeGreaterThan(0);
  }, 120_000);

  test("a node cordoned beforehand stays cordoned, without our annotation", async () => {
    await env.k(["cordon", "node-c"]);
    try {
      await drainHook("on-cordoned", "node-c");
      const done = await waitStage("on-cordoned", "Released");
      expect(done.phase).toBe("Succeeded");
      expect(done.drain.message).toBe("Node node-c stays cordoned: it was cordoned before this drain");
      expect(await nodeState(env, "node-c")).toEqual({ unschedulable: true, cordonedBy: undefined });
    } finally {
      await env.k(["uncordon", "node-c"]);
    }
  }, 120_000);

  test("two hooks draining one node never interleave: the second drains only after the first ended", async () => {
    await drainHook("first", "node-c", {}, { jobTemplate: { image: "plexd.test/sleep" }, activeDeadlineSeconds: 4 });
    await waitFor("first to hold node-c", async () => ["Cordon", "Drain", "Complete"].includes((await drainOf("first")).stage), {
      timeoutMs: 30_000,
    });
    await drainHook("second", "node-c");
    await waitFor("first to run", async () => (await getHook("first")).status?.phase === "Running", { timeoutMs: 30_000 });
    const waiting = await waitStage("second", "Idle");
    expect(waiting.message).toBe(`Waiting to drain node node-c: hook ${NS}/first holds it`);
    expect(await hasJob("second")).toBe(false);
    const second = await waitStage("second", "Released", 90_000);
    const first = (await getHook("first")).status;
    expect(first.phase).toBe("Failed");
    expect(first.drain.message).toBe(`Node node-c stays cordoned for hook ${NS}/second, which drains it next`);
    expect(Date.parse(second.drain.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.completedAt));
    expect(second.phase).toBe("Succeeded");
    expect(await nodeState(env, "node-c")).toEqual({ unschedulable: false, cordonedBy: undefined });
  }, 150_000);

  test("a hook deleted mid-drain uncordons the node before it goes, and never gets a Job", async () => {
    await drainHook("doomed", "node-b");
    await waitStage("doomed", "Blocked");
    expect((await nodeState(env, "node-b")).cordonedBy).toBe(`${NS}/doomed`);
    // kubectl delete waits until the hook is gone, that is until the finalizer was removed.
    await env.k(["delete", "plexdhook", "doomed", "-n", NS, "--timeout=60s"]);
    expect(await nodeState(env, "node-b")).toEqual({ unschedulable: false, cordonedBy: undefined });
    expect(await hasJob("doomed")).toBe(false);
  }, 120_000);

  test("the fleet controller SIGKILLed mid-drain resumes after a restart: nothing evicted twice, the node ends uncordoned", async () => {
    const movable = await deployOn(env, "node-b", "movable", 2);
    const [pinned] = (await podsOf(env, "pinned")).map((p) => p.name);
    await drainHook("resumed", "node-b");
    await waitFor(
      "the movable pods to be evicted while the pinned one blocks",
      async () => (await drainOf("resumed")).stage === "Blocked" && movable.every((p) => evictions().get(p)?.evicted === 1),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    fleet.proc.kill("SIGKILL");
    await fleet.exited;
    await env.k(["delete", "pdb", "pinned-pdb", "-n", APPS]);
    // The killed holder's Lease would keep a new one waiting for its 60 s to run out.
    await env.k(["delete", "lease", "plexd-hook-fleet", "-n", NS]);
    fleet = startFleet();
    const done = await waitFor(
      "resumed to end",
      async () => {
        const status = (await getHook("resumed")).status;
        return status?.phase === "Succeeded" && status.drain?.stage === "Released" && status;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(done.drain.message).toBe("Node node-b uncordoned");
    for (const pod of [...movable, pinned as string]) expect(evictions().get(pod)?.evicted).toBe(1);
    expect(await nodeState(env, "node-b")).toEqual({ unschedulable: false, cordonedBy: undefined });
    const patches = readAuditLog(env.cluster.auditLogPath as string, "ResponseComplete").filter(
      (e) =>
        e.objectRef?.resource === "nodes" &&
        e.objectRef.name === "node-b" &&
        e.verb === "patch" &&
        e.user.username === CLUSTER_USER,
    );
    // One cordon and one uncordon for each drain of node-b so far (blocked, doomed, resumed): none repeated.
    expect(patches.filter((e) => e.responseStatus?.code === 200)).toHaveLength(6);
    await env.k(["delete", "deployment/movable", "deployment/pinned", "-n", APPS]);
  }, 240_000);
});
