import { describe, expect, test } from "bun:test";
import { type CpuProfile, selfTimes, sourceOf } from "./cpu-profile.ts";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });
// Samples 1 ms apart from t=0 (idle, fetch twice, our reconcile, yaml's parse), then GC after a second's wait.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(idle)") },
    { id: 2, callFrame: frame("fetch") },
    { id: 3, callFrame: frame("reconcile", "file:///repo/lib/controller/reconcile.ts", 41) },
    { id: 4, callFrame: frame("(garbage collector)") },
    { id: 5, callFrame: frame("parse", "file:///repo/node_modules/yaml/dist/index.js", 9) },
  ],
  startTime: 0,
  samples: [1, 2, 2, 3, 5, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1_000_000],
};

describe("sourceOf()", () => {
  test.each([
    ["", "(runtime)"],
    ["file:///repo/lib/controller/reconcile.ts", "lib/controller/reconcile.ts"],
    ["file:///repo/main.ts", "main.ts"],
    ["file:///repo/node_modules/pino/lib/tools.js", "pino"],
    ["file:///repo/node_modules/@kubernetes/client-node/dist/x.js", "@kubernetes/client-node"],
    ["/$bunfs/root/chunk.js", "root/chunk.js"],
  ])("%s → %s", (url, expected) => expect(sourceOf(url)).toBe(expected));
});

describe("selfTimes()", () => {
  test("per function: idle left out, a sample counts once however long the wait before it, most first", () => {
    expect(selfTimes(profile, "function").map((t) => [t.entry, t.samples])).toEqual([
      ["fetch", 2],
      ["reconcile (lib/controller/reconcile.ts:42)", 1],
      ["parse (yaml:10)", 1],
      ["(garbage collector)", 1],
    ]);
  });

  test("per source, from a time on: earlier samples do not count", () => {
    const times = selfTimes(profile, "source", 3500);
    expect(times.map((t) => [t.entry, t.samples])).toEqual([
      ["lib/controller/reconcile.ts", 1],
      ["yaml", 1],
      ["(runtime)", 1],
    ]);
    expect(times.reduce((a, t) => a + t.share, 0)).toBeCloseTo(1);
  });
});
