// RolloutController over an in-memory client: hooks created within the limits, to the end, across restarts, paused.

import { afterEach, describe, expect, test } from "bun:test";
import { pino } from "pino";
import { MemoryRolloutClient } from "../../../tests/support/memory-rollout-client.ts";
import { ApiError } from "../../kube/errors.ts";
import { RolloutController } from "./controller.ts";
import type { PlexdRolloutSpec } from "./types.ts";

const logger = pino({ level: process.env.DBG ? "debug" : "silent" });
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

function start(client: MemoryRolloutClient): RolloutController {
  const stop = new AbortController();
  stops.push(stop);
  const controller = new RolloutController({ client, namespace: "ns", logger, retry: { baseMs: 5, maxMs: 20 } });
  void controller.run(stop.signal);
  return controller;
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

function cluster(count: number): MemoryRolloutClient {
  const client = new MemoryRolloutClient();
  for (let i = 0; i < count; i++) client.setNode({ name: `n${i}`, labels: { pool: "a" }, ready: true, unschedulable: false });
  return client;
}

/** Ends every running hook as the node agents would, until the rollout ends; returns its status. */
async function drive(client: MemoryRolloutClient, name: string) {
  return until(`rollout ${name} to end`, () => {
    for (const hook of client.running()) client.finishHook(hook.metadata.name, "Succeeded");
    const status = client.rollout(name).status;
    return (status?.phase === "Succeeded" || status?.phase === "Failed") && status;
  });
}

/** Edits the rollout's spec as kubectl would, with a new generation; returns that generation. */
function edit(client: MemoryRolloutClient, name: string, spec: Partial<PlexdRolloutSpec>): number {
  const current = client.rollout(name);
  const generation = (current.metadata.generation ?? 1) + 1;
  client.rollouts.put({ ...current, metadata: { ...current.metadata, generation }, spec: { ...current.spec, ...spec } });
  return generation;
}

/** The controller planned with `generation` of the rollout's spec and wrote what it saw. */
const planned = (client: MemoryRolloutClient, name: string, generation: number) =>
  until(`a plan of generation ${generation}`, () => client.rollout(name).status?.observedGeneration === generation);

const progressing = (client: MemoryRolloutClient, name: string) =>
  client.rollout(name).status?.conditions?.find((c) => c.type === "Progressing")?.reason;

describe("RolloutController", () => {
  test("runs every node once, never more than maxParallel at a time, and ends Succeeded", async () => {
    const client = cluster(10);
    client.addRollout("r", { strategy: { maxParallel: 3 } });
    start(client);
    const status = await drive(client, "r");
    expect(status).toMatchObject({ phase: "Succeeded", selected: 10, succeeded: 10 });
    expect(client.created.toSorted()).toEqual(Array.from({ length: 10 }, (_, i) => `r-n${i}`).toSorted());
    expect(client.maxRunning).toBeLessThanOrEqual(3);
    expect(client.maxRunning).toBe(3);
  });

  test("a write whose watch event arrives before its answer is not waited for", async () => {
    const client = cluster(5);
    client.answerDelayMs = 20;
    client.addRollout("r", { strategy: { maxParallel: 2 } });
    start(client);
    expect(await drive(client, "r")).toMatchObject({ phase: "Succeeded", succeeded: 5 });
  });

  test("a restarted controller continues from the hooks and the status, creating no hook twice", async () => {
    const client = cluster(6);
    client.addRollout("r", { strategy: { maxParallel: 2 } });
    const first = new AbortController();
    void new RolloutController({ client, namespace: "ns", logger }).run(first.signal);
    await until("two hooks", () => client.created.length === 2);
    first.abort();
    client.finishHook("r-n0", "Succeeded");
    start(client);
    const status = await drive(client, "r");
    expect(status).toMatchObject({ phase: "Succeeded", succeeded: 6 });
    expect(new Set(client.created).size).toBe(client.created.length);
  });

  test("paused: no hook starts; resumed: the rest run", async () => {
    const client = cluster(4);
    client.addRollout("r", { paused: true });
    start(client);
    await until("Paused", () => client.rollout("r").status?.phase === "Paused");
    expect(client.created).toEqual([]);
    client.rollouts.put({ ...client.rollout("r"), spec: { ...client.rollout("r").spec, paused: false } });
    expect(await drive(client, "r")).toMatchObject({ phase: "Succeeded", succeeded: 4 });
  });

  test("a stale status write (409) is retried from the newer rollout, not lost", async () => {
    const client = cluster(2);
    client.addRollout("r", {});
    client.failNextStatusWrite = new ApiError("conflict", 409, "Conflict");
    start(client);
    expect(await drive(client, "r")).toMatchObject({ phase: "Succeeded", succeeded: 2 });
  });

  test("a node whose hook exists already (made before a restart) is not started again", async () => {
    const client = cluster(1);
    const rollout = client.addRollout("r", {});
    client.hooks.put({
      metadata: {
        name: "r-n0",
        namespace: "ns",
        uid: "h",
        labels: { "plexd.plexsphere.com/rollout": "r" },
        ownerReferences: [
          {
            apiVersion: "plexd.plexsphere.com/v1alpha1",
            kind: "PlexdRollout",
            name: "r",
            uid: rollout.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: { hookName: "t", nodeName: "n0" },
      status: { phase: "Succeeded", completedAt: new Date().toISOString() },
    });
    start(client);
    expect(await drive(client, "r")).toMatchObject({ phase: "Succeeded", succeeded: 1 });
    expect(client.created).toEqual([]);
  });

  test("a node that turns NotReady holds the rollout under maxUnavailable until it is Ready again", async () => {
    const client = cluster(3);
    client.setNode({ name: "n2", labels: { pool: "a" }, ready: false, unschedulable: false });
    client.addRollout("r", { strategy: { maxParallel: 3, maxUnavailable: 1 } });
    start(client);
    await until("the MaxUnavailable wait", () => client.rollout("r").status?.phase === "Pending");
    expect(client.created).toEqual([]);
    client.setNode({ name: "n2", labels: { pool: "a" }, ready: true, unschedulable: false });
    expect(await drive(client, "r")).toMatchObject({ phase: "Succeeded", succeeded: 3 });
    expect(client.maxRunning).toBe(1);
  });

  test("a create the API server refuses fails that node with the refusal in the status; a 500 is retried and the hook made", async () => {
    const client = cluster(3);
    const refusal = new ApiError('PlexdHook "r-n1" is invalid: spec.jobTemplate.image: Required value', 422, "Invalid");
    let outages = 2;
    client.refuseCreate = (hook) => {
      if (hook.spec.nodeName === "n1") return refusal;
      if (hook.spec.nodeName === "n2" && outages-- > 0)
        return new ApiError("etcdserver: request timed out", 500, "InternalError");
      return undefined;
    };
    client.addRollout("r", { strategy: { maxParallel: 3, failureBudget: 1 } });
    start(client);
    const status = await drive(client, "r");
    expect(status).toMatchObject({ phase: "Succeeded", succeeded: 2, failed: 1 });
    expect(client.created.toSorted()).toEqual(["r-n0", "r-n2"]);
    expect(status.failedNodes).toEqual([
      { node: "n1", hook: "r-n1", reason: "HookCreateRefused", message: refusal.message, completedAt: expect.any(String) },
    ]);
    expect(status.conditions?.find((c) => c.type === "HooksRefused")).toMatchObject({
      status: "True",
      reason: "HookCreateRefused",
      message: expect.stringContaining(`(n1): ${refusal.message}. Change what refuses it`),
    });
  });

  test("maxParallel raised mid-rollout: the next pass starts more nodes while the first ones still run", async () => {
    const client = cluster(5);
    client.addRollout("r", { strategy: { maxParallel: 1 } });
    start(client);
    await until("the first hook", () => client.created.length === 1);
    edit(client, "r", { strategy: { maxParallel: 3 } });
    await until("two more hooks", () => client.created.length === 3);
    expect(client.running()).toHaveLength(3);
    expect(client.rollout("r").status).toMatchObject({ running: 3, pending: 2 });
  });

  test("maxParallel lowered mid-rollout: a hook that ends frees no slot while the others fill the new limit", async () => {
    const client = cluster(5);
    client.addRollout("r", { strategy: { maxParallel: 3 } });
    start(client);
    await until("three hooks", () => client.created.length === 3);
    await planned(client, "r", edit(client, "r", { strategy: { maxParallel: 1 } }));
    client.finishHook("r-n0", "Succeeded");
    // The status a pass writes counts what it starts as running: two means it started none.
    await until("the pass after the end", () => client.rollout("r").status?.succeeded === 1);
    expect(client.rollout("r").status).toMatchObject({ running: 2, pending: 2 });
    expect(client.created).toHaveLength(3);
    for (const hook of ["r-n1", "r-n2"]) client.finishHook(hook, "Succeeded");
    expect(await drive(client, "r")).toMatchObject({ phase: "Succeeded", succeeded: 5 });
    expect(client.maxRunning).toBe(3);
  });

  test("a window edited in mid-rollout: closed, the next pass waits OutsideWindow; open again, nodes start", async () => {
    const client = cluster(3);
    // Starts twelve hours from now: closed whenever the test runs. A window starting every minute is always open.
    const closed = { schedule: `0 ${(new Date().getUTCHours() + 12) % 24} * * *`, duration: "1h" };
    const open = { schedule: "* * * * *", duration: "1h" };
    client.addRollout("r", { window: open });
    start(client);
    await until("the first hook", () => client.created.length === 1);
    await planned(client, "r", edit(client, "r", { window: closed }));
    expect(client.rollout("r").status).toMatchObject({ phase: "Waiting", running: 1 });
    expect(progressing(client, "r")).toBe("OutsideWindow");
    client.finishHook("r-n0", "Succeeded");
    await until("the pass after the end", () => client.rollout("r").status?.succeeded === 1);
    expect(client.rollout("r").status).toMatchObject({ phase: "Waiting", running: 0, pending: 2 });
    expect(client.created).toEqual(["r-n0"]);
    edit(client, "r", { window: open });
    await until("the next hook", () => client.created.length === 2);
    expect(progressing(client, "r")).toBe("Running");
  });
});
