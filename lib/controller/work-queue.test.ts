import { describe, expect, test } from "bun:test";
import { waitFor } from "../../tests/cluster/wait.ts";
import { type Outcome, WorkQueue } from "./work-queue.ts";

const FAST = { baseMs: 5, maxMs: 20 };

/** A queue running `handle` until the returned stop() is called. */
function running(handle: (key: string) => Promise<Outcome>, workers = 2) {
  const depths: Array<[number, number]> = [];
  const queue = new WorkQueue({ workers, retry: FAST, onDepth: (queued, inFlight) => depths.push([queued, inFlight]) });
  const abort = new AbortController();
  const done = queue.run(handle, abort.signal);
  return { queue, depths, done, stop: () => abort.abort() };
}

/** A promise with its resolve function, to hold a handler in flight. */
function gate() {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("WorkQueue", () => {
  test("a key added again while it waits in line is handled once", async () => {
    const seen: string[] = [];
    const hold = gate();
    const { queue, stop, done } = running(async (key) => {
      if (key === "blocker") await hold.opened;
      seen.push(key);
    }, 1);
    queue.add("blocker");
    queue.add("a");
    queue.add("a");
    hold.open();
    await waitFor("an idle queue", () => seen.length === 2 && queue.depth === 0 && queue.inFlight === 0);
    stop();
    await done;
    expect(seen).toEqual(["blocker", "a"]);
  });

  test("a key added while it is being handled is handled again afterwards, never twice at once", async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    const hold = gate();
    const { queue, stop, done } = running(async () => {
      active++;
      most = Math.max(most, active);
      calls++;
      if (calls === 1) await hold.opened;
      active--;
    });
    queue.add("k");
    await waitFor("the first pass in flight", () => queue.inFlight === 1);
    queue.add("k");
    queue.add("k");
    hold.open();
    await waitFor("the second pass", () => calls === 2);
    stop();
    await done;
    expect(most).toBe(1);
    expect(calls).toBe(2);
  });

  test("no more than `workers` keys are handled at once", async () => {
    let active = 0;
    let most = 0;
    const { queue, stop, done } = running(async () => {
      active++;
      most = Math.max(most, active);
      await Bun.sleep(5);
      active--;
    }, 3);
    for (let i = 0; i < 10; i++) queue.add(`k${i}`);
    await waitFor("an empty queue", () => queue.depth === 0 && queue.inFlight === 0);
    stop();
    await done;
    expect(most).toBe(3);
  });

  test("a handler that throws is retried with backoff, attempts() counts the failures in a row and success resets it", async () => {
    let calls = 0;
    const attempts: number[] = [];
    const { queue, stop, done } = running(async (key) => {
      attempts.push(queue.attempts(key));
      if (++calls < 3) throw new Error("not yet");
    });
    queue.add("k");
    await waitFor("the third call", () => calls === 3);
    await waitFor("the last call to end", () => queue.inFlight === 0);
    expect(attempts).toEqual([0, 1, 2]);
    expect(queue.attempts("k")).toBe(0);
    stop();
    await done;
  });

  test("{ requeueAfterMs } brings the key back after that long", async () => {
    const times: number[] = [];
    const { queue, stop, done } = running(async () => {
      times.push(performance.now());
      return times.length === 1 ? { requeueAfterMs: 50 } : undefined;
    });
    queue.add("k");
    await waitFor("the requeue", () => times.length === 2);
    stop();
    await done;
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(45);
  });

  test("addAfter() keeps the earliest due time when a key is added again with a shorter delay", async () => {
    const times: number[] = [];
    const { queue, stop, done } = running(async () => {
      times.push(performance.now());
    });
    const start = performance.now();
    queue.addAfter("k", 60_000);
    queue.addAfter("k", 30);
    // A longer delay later does not push it back either.
    queue.addAfter("k", 60_000);
    await waitFor("the key to come back after the shorter delay", () => times.length === 1, { timeoutMs: 2_000 });
    stop();
    await done;
    expect((times[0] as number) - start).toBeGreaterThanOrEqual(25);
    expect((times[0] as number) - start).toBeLessThan(2_000);
  });

  test("stopping lets keys in flight finish, drops the rest and ignores later adds", async () => {
    const finished: string[] = [];
    const hold = gate();
    const { queue, stop, done } = running(async (key) => {
      await hold.opened;
      finished.push(key);
    }, 1);
    queue.add("in-flight");
    queue.add("waiting");
    await waitFor("one key in flight", () => queue.inFlight === 1);
    stop();
    queue.add("late");
    hold.open();
    await done;
    expect(finished).toEqual(["in-flight"]);
  });

  test("onDepth reports what waits and what runs", async () => {
    const hold = gate();
    const { queue, depths, stop, done } = running(() => hold.opened, 1);
    queue.add("a");
    queue.add("b");
    await waitFor("a in flight", () => queue.inFlight === 1);
    expect(depths).toContainEqual([1, 1]);
    hold.open();
    await waitFor("an empty queue", () => queue.inFlight === 0 && queue.depth === 0);
    expect(depths.at(-1)).toEqual([0, 0]);
    stop();
    await done;
  });
});
