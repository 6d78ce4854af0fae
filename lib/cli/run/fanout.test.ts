import { describe, expect, test } from "bun:test";
import { fanOut } from "./fanout.ts";

/** An in-memory runner: each node's task waits until the test settles it. */
function runner() {
  const pending = new Map<string, (ok: boolean) => void>();
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  const task = (node: string) =>
    new Promise<{ ok: boolean; value: string }>((resolve) => {
      started.push(node);
      peak = Math.max(peak, ++running);
      pending.set(node, (ok) => {
        running--;
        resolve({ ok, value: node });
      });
    });
  const settle = async (node: string, ok = true) => {
    await Bun.sleep(0);
    pending.get(node)?.(ok);
    await Bun.sleep(0);
  };
  return { task, settle, started, peak: () => peak };
}

describe("fanOut()", () => {
  test("never runs more than maxParallel at once and keeps the nodes' order", async () => {
    const r = runner();
    const done = fanOut(["a", "b", "c", "d"], { maxParallel: 2 }, r.task);
    await r.settle("a");
    expect(r.started).toEqual(["a", "b", "c"]);
    await r.settle("c");
    await r.settle("b");
    await r.settle("d");
    const results = await done;
    expect(r.peak()).toBe(2);
    expect(results.map((x) => [x.node, x.started && x.ok])).toEqual([
      ["a", true],
      ["b", true],
      ["c", true],
      ["d", true],
    ]);
  });

  test("starts nothing more once maxFailures have failed; the running ones finish", async () => {
    const r = runner();
    const done = fanOut(["a", "b", "c", "d"], { maxParallel: 2, maxFailures: 1 }, r.task);
    await r.settle("a", false);
    await r.settle("b", true);
    const results = await done;
    expect(r.started).toEqual(["a", "b"]);
    expect(results.map((x) => (x.started ? (x.ok ? "ok" : "failed") : "not started"))).toEqual([
      "failed",
      "ok",
      "not started",
      "not started",
    ]);
  });

  test("with maxParallel 1 runs strictly one after another", async () => {
    const r = runner();
    const done = fanOut(["a", "b", "c"], { maxParallel: 1 }, r.task);
    for (const node of ["a", "b", "c"]) {
      await r.settle(node);
      expect(r.started.at(-1)).toBe(node === "c" ? "c" : String.fromCharCode(node.charCodeAt(0) + 1));
    }
    await done;
    expect(r.peak()).toBe(1);
  });

  test("stops starting nodes when the signal aborts", async () => {
    const r = runner();
    const abort = new AbortController();
    const done = fanOut(["a", "b"], { maxParallel: 1, signal: abort.signal }, r.task);
    abort.abort();
    await r.settle("a");
    expect((await done).map((x) => x.started)).toEqual([true, false]);
  });

  test("refuses a maxParallel below 1", () => {
    expect(fanOut(["a"], { maxParallel: 0 }, async () => ({ ok: true, value: 0 }))).rejects.toThrow(RangeError);
  });
});
