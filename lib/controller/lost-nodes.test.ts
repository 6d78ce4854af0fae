import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { JOB_FINALIZER } from "../constants.ts";
import { ApiError } from "../kube/errors.ts";
import { Echoes } from "./echoes.ts";
import { EventRecorder } from "./events.ts";
import { HookCache } from "./hook-cache.ts";
import { lostNodes, reportLostNodes } from "./lost-nodes.ts";
import { StatusWriter } from "./status-writer.ts";

const quiet = pino({ level: "silent" });
const NOW = Date.parse("2026-11-23T12:00:00Z");
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();

describe("lostNodes()", () => {
  test("lostNodes() names nodes NotReady longer than the limit, not those NotReady for less or Ready", () => {
    const nodes = [
      { name: "long", ready: false, since: ago(700) },
      { name: "short", ready: false, since: ago(30) },
      { name: "fine", ready: true, since: ago(7_000) },
    ];
    const lost = lostNodes(nodes, new Map(), new Set(), 600_000, NOW);
    expect([...lost.keys()]).toEqual(["long"]);
    expect(lost.get("long")).toBe(`node long has been NotReady since ${ago(700)}`);
  });

  test("lostNodes() counts a vanished node from the pass that first missed it", () => {
    const goneSince = new Map<string, number>();
    const known = new Set(["a", "b"]);
    expect(lostNodes([{ name: "a", ready: true }], goneSince, known, 600_000, NOW).size).toBe(0);
    expect(goneSince.get("b")).toBe(NOW);
    const later = lostNodes([{ name: "a", ready: true }], goneSince, known, 600_000, NOW + 600_000);
    expect(later.get("b")).toBe("node b no longer exists");
    // A node that comes back is forgotten.
    lostNodes(
      [
        { name: "a", ready: true },
        { name: "b", ready: true },
      ],
      goneSince,
      known,
      600_000,
      NOW,
    );
    expect(goneSince.size).toBe(0);
  });
});

describe("reportLostNodes()", () => {
  test("reportLostNodes() fails running hooks on a lost node as NodeLost, and leaves finished or never-started hooks", async () => {
    const client = new MemoryClient();
    client.nodes = [
      { name: "dead", ready: false, since: new Date(Date.now() - 60_000).toISOString() },
      { name: "alive", ready: true },
    ];
    const running = { phase: "Running" as const, jobName: "plexdhook-r", nodeName: "dead" };
    client.addHook("r", { hookName: "x", nodeName: "dead" }, { status: running });
    client.addHook("u", { hookName: "x" }, { status: { ...running, jobName: "plexdhook-u" } });
    client.addHook("done", { hookName: "x", nodeName: "dead" }, { status: { ...running, phase: "Succeeded" } });
    client.addHook("new", { hookName: "x", nodeName: "dead" });
    client.addHook("ok", { hookName: "x", nodeName: "alive" }, { status: { ...running, nodeName: "alive" } });
    const hooks = new HookCache();
    const events = new EventRecorder(client, "node-a", quiet, () => new Date());
    const statusWriter = new StatusWriter({ client, hooks, events, echoes: new Echoes(), logger: quiet });
    const stop = new AbortController();
    const run = reportLostNodes(
      {
        client,
        namespace: "plexd-system",
        config: { afterMs: 1_000, everyMs: 5 },
        statusWriter,
        logger: quiet,
        now: () => new Date(),
      },
      stop.signal,
    );
    while (client.hook("u")?.status?.phase !== "Failed") await Bun.sleep(5);
    stop.abort();
    await run;
    for (const name of ["r", "u"]) {
      expect(client.hook(name)?.status).toMatchObject({ phase: "Failed", conditions: expect.anything() });
      expect(client.hook(name)?.status?.message).toContain("node dead has been NotReady since");
    }
    expect(client.hook("r")?.status?.conditions).toEqual([expect.objectContaining({ type: "Succeeded", reason: "NodeLost" })]);
    expect(client.hook("done")?.status?.phase).toBe("Succeeded");
    expect(client.hook("new")?.status).toBeUndefined();
    expect(client.hook("ok")?.status?.phase).toBe("Running");
  });

  const running = (node: string) => ({ status: { phase: "Running" as const, jobName: "plexdhook-x", nodeName: node } });

  /** reportLostNodes() over `client`, every 5 ms, a node lost at once; stop() ends it. */
  function start(client: MemoryClient) {
    const hooks = new HookCache();
    const events = new EventRecorder(client, "node-a", quiet, () => new Date());
    const statusWriter = new StatusWriter({ client, hooks, events, echoes: new Echoes(), logger: quiet });
    const abort = new AbortController();
    const config = { afterMs: 0, everyMs: 5 };
    const run = reportLostNodes(
      { client, namespace: "plexd-system", config, statusWriter, logger: quiet, now: () => new Date() },
      abort.signal,
    );
    return {
      /** Waits until `ready()` holds, then for `passes` more passes. */
      async until(ready: () => boolean, passes = 0): Promise<void> {
        const started = Date.now();
        while (!ready() && Date.now() - started < 2_000) await Bun.sleep(5);
        const at = client.log.filter((c) => c === "listNodes").length;
        while (client.log.filter((c) => c === "listNodes").length < at + passes) await Bun.sleep(5);
      },
      async stop(): Promise<void> {
        abort.abort();
        await run;
      },
    };
  }

  test("reportLostNodes() lets the held Jobs on a lost node go, the reported ones and those whose agent recorded but did not release", async () => {
    const client = new MemoryClient();
    client.nodes = [{ name: "dead", ready: false, since: new Date(Date.now() - 60_000).toISOString() }];
    client.addHook("r", { hookName: "x", nodeName: "dead" }, { status: { ...running("dead").status, jobName: "plexdhook-r" } });
    const done = { ...running("dead").status, jobName: "plexdhook-d", phase: "Succeeded" as const };
    client.addHook("d", { hookName: "x", nodeName: "dead" }, { status: done });
    for (const name of ["plexdhook-r", "plexdhook-d"]) {
      client.jobs.put({ metadata: { name, namespace: "plexd-system", finalizers: [JOB_FINALIZER] } });
    }
    client.deleteJob("plexdhook-d");
    const report = start(client);
    await report.until(() => client.hook("r")?.status?.phase === "Failed" && client.job("plexdhook-d") === undefined);
    await report.stop();
    expect(client.job("plexdhook-r")?.metadata?.finalizers).toEqual([]);
    expect(client.job("plexdhook-d")).toBeUndefined();
    expect(client.log).toContain("releaseJob plexdhook-r");
  });

  test("reportLostNodes() forgets a vanished node once its hooks are reported: later passes list no hooks for it", async () => {
    const client = new MemoryClient();
    client.nodes = [{ name: "gone", ready: true }];
    client.addHook("g", { hookName: "x", nodeName: "gone" }, running("gone"));
    const run = start(client);
    await run.until(() => client.log.includes("listNodes"));
    client.nodes = [{ name: "other", ready: true }];
    await run.until(() => client.hook("g")?.status?.phase === "Failed");
    const before = client.log.length;
    await run.until(() => true, 5);
    const later = client.log.slice(before);
    await run.stop();
    expect(client.hook("g")?.status?.message).toContain("node gone no longer exists");
    expect(later.filter((c) => c === "listHooks")).toEqual([]);
  });

  test("reportLostNodes() reports the other hooks and nodes of a pass when one status write or one list fails", async () => {
    const client = new MemoryClient();
    client.nodes = [
      { name: "dead-1", ready: false, since: new Date(Date.now() - 60_000).toISOString() },
      { name: "dead-2", ready: false, since: new Date(Date.now() - 60_000).toISOString() },
      { name: "dead-3", ready: false, since: new Date(Date.now() - 60_000).toISOString() },
    ];
    client.addHook("a", { hookName: "x", nodeName: "dead-1" }, running("dead-1"));
    client.addHook("b", { hookName: "x", nodeName: "dead-1" }, running("dead-1"));
    client.addHook("c", { hookName: "x", nodeName: "dead-2" }, running("dead-2"));
    client.addHook("d", { hookName: "x", nodeName: "dead-3" }, running("dead-3"));
    client.faults.updateHookStatus = (hook) =>
      hook.metadata.name === "a" ? new ApiError("etcdserver: request timed out", 500, "InternalError") : undefined;
    const list = client.listHooks.bind(client);
    client.listHooks = async (namespace, fieldSelector) => {
      if (fieldSelector?.includes("dead-2")) throw new ApiError("etcdserver: request timed out", 500, "InternalError");
      return list(namespace, fieldSelector);
    };
    const run = start(client);
    await run.until(() => client.hook("d")?.status?.phase === "Failed" && client.hook("b")?.status?.phase === "Failed");
    await run.stop();
    expect(["a", "b", "c", "d"].map((name) => client.hook(name)?.status?.phase)).toEqual([
      "Running",
      "Failed",
      "Running",
      "Failed",
    ]);
  });

  test("reportLostNodes() works on an API server that cannot select hooks by field: one list a pass, filtered here", async () => {
    const client = new MemoryClient();
    client.nodes = [
      { name: "dead", ready: false, since: new Date(Date.now() - 60_000).toISOString() },
      { name: "alive", ready: true },
    ];
    client.addHook("r", { hookName: "x", nodeName: "dead" }, running("dead"));
    client.addHook("ok", { hookName: "x", nodeName: "alive" }, running("alive"));
    const list = client.listHooks.bind(client);
    const selectors: Array<string | undefined> = [];
    client.listHooks = async (namespace, fieldSelector) => {
      selectors.push(fieldSelector);
      if (fieldSelector) throw new ApiError(`field label not supported: ${fieldSelector.split("=")[0]}`, 400, "BadRequest");
      return list(namespace, fieldSelector);
    };
    const run = start(client);
    await run.until(() => client.hook("r")?.status?.phase === "Failed", 3);
    await run.stop();
    expect(client.hook("ok")?.status?.phase).toBe("Running");
    // Asked once with a selector; from then on, one list of every hook a pass.
    expect(selectors.filter(Boolean).length).toBe(1);
    const passes = client.log.filter((c) => c === "listNodes").length;
    expect(selectors.filter((s) => s === undefined).length).toBeLessThanOrEqual(passes);
  });
});
