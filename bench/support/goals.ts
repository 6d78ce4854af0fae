// The operator's goals, judged from one run's results: each as measured / goal, met or missed.
// The goals are those of SPEC §11 and issue 22 (ahead of the Go peer); docs/scale.md gives the causes
// of the missed ones.

import type { Results } from "./results.ts";
import { median, summary } from "./stats.ts";

export interface Goal {
  measure: string;
  /** What was measured, formatted, with its ratio where the goal is one. */
  measured: string;
  goal: string;
  met: boolean;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
const times = (x: number): string => `${x.toFixed(2)}×`;

/** The goals this run has the figures for, in the order of the report; none for sides not run. */
export function judgeGoals(r: Results): Goal[] {
  const goals: Goal[] = [];
  const add = (measure: string, measured: string, goal: string, met: boolean): void => {
    goals.push({ measure, measured, goal, met });
  };
  const boot = r.startup?.operator;
  if (boot) {
    const ready = median(boot.readyMs);
    const idle = median(boot.idleRssMb);
    add("start → ready", ms(ready), "≤ 300 ms", ready <= 300);
    add("idle VmRSS", `${idle.toFixed(1)} MB`, "≤ 45 MB", idle <= 45);
  }
  const p50 = (samples: number[] | undefined) => (samples?.length ? summary(samples).p50 : undefined);
  const latency = r.latency?.operator;
  if (latency?.samples.length) {
    const own = summary(latency.samples);
    const floor = p50(r.latency?.floor?.samples);
    const peer = p50(r.latency?.go?.samples);
    if (floor)
      add(
        "hook → Pending p50 ÷ floor",
        `${ms(own.p50)} ÷ ${ms(floor)} = ${times(own.p50 / floor)}`,
        "≤ 1.10×",
        own.p50 <= 1.1 * floor,
      );
    if (peer) add("hook → Pending p50, Go peer", `${ms(own.p50)} vs ${ms(peer)}`, "below the Go peer", own.p50 < peer);
    add("hook → Pending p99", ms(own.p99), "≤ 30 ms", own.p99 <= 30);
  }
  const burst = r.burst?.operator;
  if (burst) {
    const { floor, go } = r.burst ?? {};
    const s = (b: { totalMs: number }) => `${(b.totalMs / 1000).toFixed(2)} s`;
    const perHook = (b: { cpuSeconds: number; hooks: number }) => (b.cpuSeconds / b.hooks) * 1000;
    if (floor) {
      const x = burst.totalMs / floor.totalMs;
      add(`burst of ${burst.hooks} ÷ floor`, `${s(burst)} ÷ ${s(floor)} = ${times(x)}`, "≤ 1.15×", x <= 1.15);
    }
    if (go) {
      add(`burst of ${burst.hooks}, Go peer`, `${s(burst)} vs ${s(go)}`, "below the Go peer", burst.totalMs < go.totalMs);
      const [own, peer] = [perHook(burst), perHook(go)];
      add("CPU per hook, Go peer", `${own.toFixed(2)} ms vs ${peer.toFixed(2)} ms`, "≤ the Go peer's", own <= peer);
    }
  }
  const at10k = r.memory?.operator?.find(([hooks]) => hooks === 10_000)?.[1];
  if (at10k !== undefined) add("VmRSS at 10,000 hooks and Jobs", `${at10k.toFixed(1)} MB`, "≤ 120 MB", at10k <= 120);
  return goals;
}
