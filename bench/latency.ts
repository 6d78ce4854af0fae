// Hook latency and bursts (SPEC §11), the operator, the floor and the Go peer side by side:
//   1. single hooks, one at a time, the three sides interleaved: hook create answered → Pending seen;
//   2. a burst of hooks created at once, one side after the other: first create → every hook Pending.
// Counts: BENCH_SINGLE (200), BENCH_BURST (1000), BENCH_WARMUP (5), BENCH_CREATORS (8), BENCH_SETTLE_S (240).
// Each side's burst runs on a control plane of its own (burstsApart): a burst leaves 1,000 Jobs for the
// Job controller to work through at 20 requests/s, minutes of load that would slow whichever side came
// next. BENCH_BURST_ORDER (default "operator,floor,go") sets the order.

import { ACTOR_LABEL, ACTORS, type Actor, type ActorKind, operatorCounters } from "./support/actors.ts";
import { type Bench, withBench } from "./support/context.ts";
import { burst, oneHook, settle } from "./support/creators.ts";
import type { Observer } from "./support/observer.ts";
import { cpuSeconds, measured } from "./support/proc.ts";
import type { Results } from "./support/results.ts";
import { fmt, summary } from "./support/stats.ts";

const NODE = "node-a";
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

export async function singleHooks(bench: Bench, actors: readonly ActorKind[] = ACTORS): Promise<void> {
  const count = env("BENCH_SINGLE", 200);
  const warmup = env("BENCH_WARMUP", 5);
  const sides: Array<{
    kind: ActorKind;
    observer: Observer;
    actor: Actor;
    cpu0: number;
    samples: number[];
    timeouts: number;
  }> = [];
  for (const kind of actors) {
    const ns = await bench.env.namespace(`single-${kind}`);
    const observer = await bench.observe(ns);
    const actor = await bench.start(kind, { namespace: ns, node: NODE });
    sides.push({ kind, observer, actor, cpu0: cpuSeconds(actor.pid), samples: [], timeouts: 0 });
  }
  const started = performance.now();
  // Interleaved, the order rotating, so every side meets the same background.
  for (let i = 0; i < warmup + count; i++) {
    for (let j = 0; j < sides.length; j++) {
      const side = sides[(i + j) % sides.length] as (typeof sides)[number];
      const latency = await oneHook(bench.admin, side.observer, `s-${i}`, NODE);
      // A side that cannot bring even a warm-up hook to Pending is broken (a refused Job, a crash):
      // stop here with what it printed rather than wait out every timeout.
      if (i < warmup && latency === "timeout")
        throw new Error(
          `${ACTOR_LABEL[side.kind]}: warm-up hook s-${i} not Pending in time; it printed:\n${side.actor.tail().join("\n")}`,
        );
      if (i < warmup) continue;
      if (latency === "timeout") side.timeouts++;
      else side.samples.push(latency);
    }
  }
  bench.results.latency = {};
  for (const side of sides) {
    const cpu = cpuSeconds(side.actor.pid) - side.cpu0;
    bench.results.latency[side.kind] = { samples: side.samples, timeouts: side.timeouts, cpuSeconds: cpu };
    const s = summary(side.samples);
    console.log(`single ${ACTOR_LABEL[side.kind]}: p50 ${fmt(s.p50)} p99 ${fmt(s.p99)} ms, CPU ${fmt(cpu, 2)} s`);
    if (side.observer.failed.size) bench.note(`${side.kind}: ${side.observer.failed.size} single hooks went Failed`);
  }
  console.log(`single hooks took ${fmt((performance.now() - started) / 1000)} s`);
}

const burstOrder = (): readonly ActorKind[] =>
  (process.env.BENCH_BURST_ORDER?.split(",") as ActorKind[] | undefined)?.filter((k) => ACTORS.includes(k)) ?? ACTORS;

export async function bursts(bench: Bench, actors: readonly ActorKind[] = burstOrder()): Promise<void> {
  const hooks = env("BENCH_BURST", 1_000);
  const creators = env("BENCH_CREATORS", 8);
  const settleMs = env("BENCH_SETTLE_S", 240) * 1000;
  bench.results.burst ??= {};
  for (const kind of actors) {
    const ns = await bench.env.namespace(`burst-${kind}`);
    const observer = await bench.observe(ns);
    const actor = await bench.start(kind, { namespace: ns, node: NODE });
    const run = await measured(actor.pid, () => burst(bench.admin, observer, hooks, creators, NODE));
    const counters = actor.url ? await operatorCounters(actor.url) : undefined;
    bench.results.burst[kind] = {
      hooks,
      ...run.result,
      cpuSeconds: run.actorCpu,
      machineBusy: run.machineBusy,
      ...(counters && { counters }),
    };
    console.log(
      `burst ${ACTOR_LABEL[kind]}: ${fmt(run.result.totalMs / 1000, 2)} s (creates ${fmt(run.result.createMs / 1000, 2)} s), CPU ${fmt(run.actorCpu, 2)} s, machine ${fmt(run.machineBusy * 100, 0)}% busy`,
    );
    if (observer.failed.size) bench.note(`${kind}: ${observer.failed.size} burst hooks went Failed`);
    await actor.stop();
    if (kind !== actors.at(-1)) console.log(`  ${await settle(bench.admin, [ns], settleMs)}`);
  }
}

/** Each side's burst on a fresh control plane of its own, so no side meets another's leftover Jobs. */
export async function burstsApart(results: Results): Promise<void> {
  const order = burstOrder();
  results.notes.push(`bursts each on a control plane of its own, in this order: ${order.map((k) => ACTOR_LABEL[k]).join(", ")}`);
  for (const kind of order) await withBench({ name: `burst-${kind}`, nodes: [NODE] }, results, (bench) => bursts(bench, [kind]));
}

if (import.meta.main) {
  const { newResults } = await import("./support/context.ts");
  const { writeResults } = await import("./support/report.ts");
  const results = newResults("latency and burst");
  await withBench({ name: "latency", nodes: [NODE] }, results, (bench) => singleHooks(bench));
  await burstsApart(results);
  console.log(`wrote ${writeResults(results, "latency")}`);
}
