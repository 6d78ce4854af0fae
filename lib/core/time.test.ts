import { describe, expect, test } from "bun:test";
import { backoffDelay, every, sleep } from "./time.ts";

describe("backoffDelay()", () => {
  const cases: Array<[number, number, number]> = [
    [0, 100, 200],
    [3, 800, 1_600],
    [20, 15_000, 30_000],
  ];
  test.each(cases)("backoffDelay(%p) is capped, jittered between %p and %p ms", (attempt, low, high) => {
    expect(backoffDelay(attempt, 200, 30_000, () => 0)).toBe(low);
    expect(backoffDelay(attempt, 200, 30_000, () => 1)).toBe(high);
  });
});

describe("sleep()", () => {
  test("sleep() waits the given time", async () => {
    const started = performance.now();
    await sleep(30, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  test("sleep() returns at once when its signal aborts", async () => {
    const abort = new AbortController();
    const started = performance.now();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await slept;
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

test("every() runs its pass after each period until the signal aborts, and none after", async () => {
  const stop = new AbortController();
  let passes = 0;
  const done = every(5, stop.signal, async () => {
    if (++passes === 3) stop.abort();
  });
  await done;
  expect(passes).toBe(3);
});
