// DrainController over an in-memory client: end states of drains (the Node, the pods, the hooks), not call sequences.

import { afterEach, expect, test } from "bun:test";
import { type Logger, pino } from "pino";
import { waitFor } from "../../../tests/cluster/wait.ts";
import { launch, stopAll } from "../../../tests/support/controller.ts";
import { launchFleet, node, stopFleets } from "../../../tests/support/fleet.ts";
import { MemoryClient } from "../../../tests/support/memory-client.ts";
import { ANNOTATION_CORDONED_BY, DRAIN_FINALIZER } from "../../constants.ts";
import type { DrainSpec, Pod } from "../../core/types.ts";
import { Metrics } from "../../observe/metrics.ts";
import { DrainController } from "./controller.ts";

const NS = "plexd-system";
const running: Array<{ stop: AbortController; done: Promise<void> }> = [];

afterEach(async () => {
  for (const { stop, done } of running.splice(0)) {
    stop.abort();
    await done;
  }
});

const FAST = { workers: 2, resyncPeriodMs: 60_000, retry: { baseMs: 5, maxMs: 50 } };

function start(client: MemoryClient, canStart?: (node: string) => boolean): { stop: AbortController; done: Promise<void> } {
  const stop = new AbortController();
  const controller = new DrainController({
    client,
    namespace: NS,
    logger: pino({ level: "silent" }),
    metrics: new Metrics(),
    now: () => new Date(),
    config: FAST,
    ...(canStart && { canStart }),
  });
  const run = { stop, done: controller.run(stop.signal) };
  running.push(run);
  return run;
}

function pod(name: string, nodeName: string, owner = "ReplicaSet"): Pod {
  return {
    metadata: {
      name,
      namespace: "apps",
      ownerReferences: [{ apiVersion: "apps/v1", kind: owner, name: "o", uid: "o", controller: true }],
    },
    spec: { nodeName, containers: [{ name: "c" }] },
    status: { phase: "Running" },
  };
}

/** A cluster with node-a (two ReplicaSet pods and a DaemonSet pod on it) and node-b. */
function cluster(opts: { cordoned?: boolean } = {}): MemoryClient {
  const client = new MemoryClient();
  client.nodeObjects.put(node("node-a", { unschedulable: opts.cordoned }));
  client.nodeObjects.put(node("node-b"));
  for (const p of [pod("web-1", "node-a"), pod("web-2", "node-a"), pod("agent", "node-a", "DaemonSet"), pod("web-3", "node-b")]) {
    client.podObjects.put(p);
  }
  return client;
}

const addHook = (client: MemoryClient, name: string, drain: Partial<DrainSpec> = {}, created = new Date()) =>
  client.addHook(
    name,
    { hookName: name, nodeName: "node-a", drain: { enabled: true, timeoutSeconds: 600, ...drain } },
    { created },
  );
const nodeA = (client: MemoryClient) => client.nodeObjects.objects.get("undefined/node-a");
const stage = (client: MemoryClient, name: string) => client.hook(name)?.status?.drain?.stage;
const waitStage = (client: MemoryClient, name: string, want: string, timeoutMs = 5_000) =>
  waitFor(`${name} to reach ${want}`, () => stage(client, name) === want, { timeoutMs });
function finish(client: MemoryClient, name: string, phase: "Succeeded" | "Failed" = "Succeeded"): void {
  const hook = client.hook(name);
  if (hook) client.hooks.put({ ...hook, status: { ...hook.status, phase } });
}

test("a drain cordons the node naming the hook, evicts all but the DaemonSet's pod, reaches Complete, and uncordons after the hook", async () => {
  const client = cluster();
  addHook(client, "h");
  start(client);
  await waitStage(client, "h", "Complete");
  expect(nodeA(client)?.spec?.unschedulable).toBe(true);
  expect(nodeA(client)?.metadata?.annotations?.[ANNOTATION_CORDONED_BY]).toBe(`${NS}/h`);
  expect(client.evictions.toSorted()).toEqual(["apps/web-1", "apps/web-2"]);
  expect([...client.podObjects.objects.keys()].toSorted()).toEqual(["apps/agent", "apps/web-3"]);
  expect(client.hook("h")?.metadata.finalizers).toEqual([DRAIN_FINALIZER]);
  const created = client.hook("h")?.status?.conditions?.find((c) => c.type === "JobCreated");
  expect(created).toMatchObject({ status: "False", reason: "Drained" });

  finish(client, "h");
  await waitStage(client, "h", "Released");
  await waitFor("the finalizer to go", () => client.hook("h")?.metadata.finalizers?.length === 0);
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
  expect(nodeA(client)?.metadata?.annotations?.[ANNOTATION_CORDONED_BY]).toBeUndefined();
  expect(client.hook("h")?.status?.drain?.message).toBe("Node node-a uncordoned");
});

test.each<[string, Partial<DrainSpec>, (number | undefined)[]]>([
  ["spec.drain.gracePeriodSeconds goes with every eviction", { gracePeriodSeconds: 5 }, [5, 5]],
  ["gracePeriodSeconds 0 goes with every eviction too", { gracePeriodSeconds: 0 }, [0, 0]],
  ["without gracePeriodSeconds the evictions give none: each pod's own applies", {}, [undefined, undefined]],
])("%s", async (_, drain, gracePeriods) => {
  const client = cluster();
  addHook(client, "h", drain);
  start(client);
  await waitStage(client, "h", "Complete");
  expect(client.evictions.toSorted()).toEqual(["apps/web-1", "apps/web-2"]);
  expect(client.evictionGracePeriods).toEqual(gracePeriods);
});

test("a PodDisruptionBudget that refuses: Blocked naming the pod and the budget, then Failed DrainTimeout, node uncordoned", async () => {
  const client = cluster();
  const PDB = "The disruption budget web-pdb needs 2 healthy pods and has 2 currently";
  client.refuseEviction = (p) => (p.metadata?.name === "web-1" ? PDB : undefined);
  addHook(client, "h", { timeoutSeconds: 1 });
  start(client);
  await waitStage(client, "h", "Blocked");
  expect(client.hook("h")?.status?.drain).toMatchObject({ blockingPod: "apps/web-1", blockingReason: PDB, podsLeft: 1 });
  expect(client.hook("h")?.status?.conditions?.[0]).toMatchObject({ type: "JobCreated", reason: "DrainBlocked" });
  await waitStage(client, "h", "Released", 5_000);
  const status = client.hook("h")?.status;
  expect(status?.phase).toBe("Failed");
  expect(status?.message).toContain(`did not finish within 1 s with 1 pod left; pod apps/web-1: ${PDB}`);
  expect(status?.conditions?.find((c) => c.type === "Succeeded")?.reason).toBe("DrainTimeout");
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
  expect(client.events.map((e) => e.reason)).toEqual(
    expect.arrayContaining(["Cordoned", "DrainBlocked", "DrainTimeout", "Uncordoned"]),
  );
});

test("no drain begins while the node's agent is not ready: nothing cordoned or evicted, the hook says why", async () => {
  const client = cluster();
  let ready = false;
  addHook(client, "h");
  start(client, () => ready);
  await waitFor("the hook to say why it waits", () => client.hook("h")?.status?.message?.includes("agent is not ready"));
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
  expect(client.evictions).toEqual([]);
  ready = true;
  const hook = client.hook("h");
  if (hook) client.hooks.put({ ...hook, metadata: { ...hook.metadata, labels: { touched: "yes" } } });
  await waitStage(client, "h", "Complete");
});

test("a node cordoned before the drain stays cordoned after it, without our annotation", async () => {
  const client = cluster({ cordoned: true });
  addHook(client, "h");
  start(client);
  await waitStage(client, "h", "Complete");
  expect(nodeA(client)?.metadata?.annotations?.[ANNOTATION_CORDONED_BY]).toBeUndefined();
  finish(client, "h");
  await waitStage(client, "h", "Released");
  expect(nodeA(client)?.spec?.unschedulable).toBe(true);
  expect(client.log.filter((l) => l.startsWith("patchNode"))).toEqual([]);
});

test("two hooks on one node: the second waits, takes the node over still cordoned, and only then is it uncordoned", async () => {
  const client = cluster();
  addHook(client, "first", {}, new Date(Date.now() - 1000));
  addHook(client, "second");
  start(client);
  await waitStage(client, "first", "Complete");
  await waitStage(client, "second", "Idle");
  expect(client.hook("second")?.status?.message).toBe(`Waiting to drain node node-a: hook ${NS}/first holds it`);
  finish(client, "first");
  await waitStage(client, "second", "Complete");
  expect(nodeA(client)?.metadata?.annotations?.[ANNOTATION_CORDONED_BY]).toBe(`${NS}/second`);
  expect(client.log.filter((l) => l.includes('"unschedulable":false'))).toEqual([]);
  finish(client, "second");
  await waitStage(client, "second", "Released");
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
});

test("a hook deleted mid-drain uncordons the node before it goes", async () => {
  const client = cluster();
  client.refuseEviction = () => "The disruption budget web-pdb needs 2 healthy pods and has 2 currently";
  addHook(client, "h");
  start(client);
  await waitStage(client, "h", "Blocked");
  client.deleteHook("h");
  await waitFor("the hook to go", () => client.hook("h") === undefined);
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
  expect(nodeA(client)?.metadata?.annotations?.[ANNOTATION_CORDONED_BY]).toBeUndefined();
});

test("a restarted controller resumes a blocked drain and evicts no pod a second time", async () => {
  const client = cluster();
  let refusing = true;
  client.refuseEviction = (p) =>
    refusing && p.metadata?.name === "web-2"
      ? "The disruption budget web-pdb needs 1 healthy pods and has 1 currently"
      : undefined;
  addHook(client, "h");
  const first = start(client);
  await waitStage(client, "h", "Blocked");
  first.stop.abort();
  await first.done;
  refusing = false;
  start(client);
  await waitStage(client, "h", "Complete");
  expect(client.evictions.filter((e) => e === "apps/web-1")).toEqual(["apps/web-1"]);
  expect(client.log.filter((l) => l.includes('"unschedulable":true'))).toHaveLength(1);
});

/** Cluster mode's drain duty, as main.ts gives it (under the fleet controller's Lease). */
const launchClusterMode = (client: MemoryClient) =>
  launch(
    client,
    "",
    (c) => {
      c.allNodes = true;
    },
    undefined,
    (metrics: Metrics, logger: Logger) => [
      new DrainController({ client, namespace: NS, logger, metrics, now: () => new Date(), config: FAST }),
    ],
  );

test("cluster mode (--all-nodes) drains too: the Job waits for Complete and the node is uncordoned after it", async () => {
  const client = cluster();
  launchClusterMode(client);
  addHook(client, "h");
  await waitFor("the Job", () => client.job("plexdhook-h"), { timeoutMs: 10_000 });
  // The Job is created only after the node was found drained: every eviction came before it.
  expect(stage(client, "h")).toBe("Complete");
  expect(client.evictions.toSorted()).toEqual(["apps/web-1", "apps/web-2"]);
  expect(client.log.indexOf("createJob plexdhook-h")).toBeGreaterThan(client.log.lastIndexOf("listNodePods node-a"));
  client.setJobStatus("plexdhook-h", { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] });
  await waitStage(client, "h", "Released");
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
  await stopAll();
});

test("cluster mode and a fleet controller never both drain: cluster mode's drain waits for the fleet's Lease, and takes over when it is given up", async () => {
  const client = cluster();
  const fleet = launchFleet(client, (c) => {
    c.agentSelector = "";
  });
  await waitFor("the fleet controller to lead", () => fleet.fleet.leader, { timeoutMs: 5_000 });
  const clusterMode = launchClusterMode(client);
  await waitFor("cluster mode to be ready", () => clusterMode.controller.ready, { timeoutMs: 5_000 });
  addHook(client, "h");
  await waitStage(client, "h", "Complete");
  expect(clusterMode.logged("drain duty started: caches synced")).toEqual([]);
  expect(fleet.lines.filter((l) => l.msg === "drain duty started: caches synced")).toHaveLength(1);
  expect(client.log.filter((l) => l.includes('"unschedulable":true'))).toHaveLength(1);
  expect(client.evictions.toSorted()).toEqual(["apps/web-1", "apps/web-2"]);
  // The fleet controller stops and gives up the Lease: cluster mode's replica drains from then on.
  fleet.stop.abort(new Error("test: fleet controller stopped"));
  await fleet.done.catch(() => {});
  await waitFor("cluster mode's drain duty", () => clusterMode.logged("drain duty started: caches synced").length === 1, {
    timeoutMs: 5_000,
  });
  client.setJobStatus("plexdhook-h", { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] });
  await waitStage(client, "h", "Released");
  expect(nodeA(client)?.spec?.unschedulable).toBe(false);
  expect(client.log.filter((l) => l.includes('"unschedulable":false'))).toHaveLength(1);
  await stopAll();
  await stopFleets();
});
