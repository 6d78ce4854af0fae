import { describe, expect, test } from "bun:test";
import { judgeGoals } from "./goals.ts";
import type { Results } from "./results.ts";

const base = (): Results => ({
  started: new Date(0),
  machine: { name: "vm", cores: 2, cpu: "x", memoryGb: 24 },
  load: { before: "0" },
  notes: [],
});
const latency = (p50: number, p99 = p50) => ({ samples: [...Array(98).fill(p50), p99, p99], timeouts: 0, cpuSeconds: 0 });
const burst = (totalMs: number, cpuSeconds: number) => ({
  hooks: 1000,
  totalMs,
  createMs: 0,
  done: 1000,
  cpuSeconds,
  machineBusy: 1,
  progress: [],
});
const verdicts = (r: Results) => Object.fromEntries(judgeGoals(r).map((g) => [g.measure, g.met]));

describe("judgeGoals()", () => {
  test.each([
    ["p50 within 1.10× of the floor and below the Go peer", 8.8, 8, 9, true, true],
    ["p50 over 1.10× of the floor", 9, 8, 10, false, true],
    ["p50 within the floor's 1.10× but not below the Go peer", 8.5, 8, 8.5, true, false],
  ])("latency: %s", (_, own, floor, peer, meetsFloor, beatsPeer) => {
    const r = { ...base(), latency: { operator: latency(own), floor: latency(floor), go: latency(peer) } };
    expect(verdicts(r)).toEqual({
      "hook → Pending p50 ÷ floor": meetsFloor,
      "hook → Pending p50, Go peer": beatsPeer,
      "hook → Pending p99": true,
    });
  });

  test("p99 over 30 ms is missed, and the measured figure is given", () => {
    const r = { ...base(), latency: { operator: latency(8, 31) } };
    expect(judgeGoals(r)).toEqual([{ measure: "hook → Pending p99", measured: "31.0 ms", goal: "≤ 30 ms", met: false }]);
  });

  test.each([
    ["ahead on all three", 7000, 6500, 7500, 1.2, 1.3, [true, true, true]],
    ["over 1.15× the floor, behind the peer, more CPU", 8000, 6500, 7500, 1.4, 1.3, [false, false, false]],
  ])("burst: %s", (_, own, floor, peer, ownCpu, peerCpu, expected) => {
    const r = { ...base(), burst: { operator: burst(own, ownCpu), floor: burst(floor, 0.5), go: burst(peer, peerCpu) } };
    const goals = judgeGoals(r);
    expect(goals.map((g) => g.measure)).toEqual(["burst of 1000 ÷ floor", "burst of 1000, Go peer", "CPU per hook, Go peer"]);
    expect(goals.map((g) => g.met)).toEqual(expected);
  });

  test("start-up, idle memory and memory at 10,000 hooks", () => {
    const r = {
      ...base(),
      startup: { operator: { readyMs: [50, 60, 55], idleRssMb: [46, 44, 45], stopMs: [9] } },
      memory: {
        operator: [
          [0, 45],
          [10_000, 121],
        ] as Array<[number, number]>,
      },
    };
    expect(verdicts(r)).toEqual({ "start → ready": true, "idle VmRSS": true, "VmRSS at 10,000 hooks and Jobs": false });
  });

  test("a run without the operator's side judges nothing", () => {
    expect(judgeGoals({ ...base(), latency: { floor: latency(8) } })).toEqual([]);
  });
});
