import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
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
    const status = new StatusWriter({ client, hooks, events, echoes: new Echoes(), logger: quiet });
    const stop = new AbortController();
    const run = reportLostNodes(
      { client, namespace: "plexd-system", config: { afterMs: 1_000, everyMs: 5 }, status, logger: quiet, now: () => new Date() },
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
});
