// Start-up and memory (SPEC §11): binary start → ready, idle VmRSS, SIGTERM → exit; then VmRSS against the
// number of hooks and Jobs in the namespace under --all-nodes (the heaviest mode), the operator beside the
// Go peer. BENCH_STARTS (5) runs; BENCH_MEMORY_STEPS (0,1000,2000; --full 0,2500,5000,10000).

import { ACTOR_LABEL, type ActorKind } from "./support/actors.ts";
import type { Bench } from "./support/context.ts";
import { createMany } from "./support/creators.ts";
import { rssMb } from "./support/proc.ts";
import { fmt, median } from "./support/stats.ts";

const NODES = ["node-a", "node-b", "node-c"];

export async function startup(bench: Bench, actors: readonly ActorKind[] = ["operator", "go"]): Promise<void> {
  const runs = Number(process.env.BENCH_STARTS ?? 5);
  bench.results.startup = {};
  for (const kind of actors) {
    const ns = await bench.env.namespace(`startup-${kind}`);
    const result = { readyMs: [] as number[], idleRssMb: [] as number[], stopMs: [] as number[] };
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const actor = await bench.start(kind, { namespace: ns, node: "node-a" });
      result.readyMs.push(performance.now() - started);
      await Bun.sleep(2_000);
      result.idleRssMb.push(rssMb(actor.pid));
      result.stopMs.push(await actor.stop());
    }
    bench.results.startup[kind] = result;
    console.log(
      `start-up ${ACTOR_LABEL[kind]}: ready ${fmt(median(result.readyMs), 0)} ms, idle ${fmt(median(result.idleRssMb))} MB, exit ${fmt(median(result.stopMs), 0)} ms`,
    );
  }
}

/** Adds hooks in steps, each side in its own namespace, and reads VmRSS once every hook of a step is Pending. */
export async function memory(bench: Bench, steps: number[], actors: readonly ActorKind[] = ["operator", "go"]): Promise<void> {
  bench.results.memory = {};
  for (const kind of actors) {
    const ns = await bench.env.namespace(`memory-${kind}`);
    const observer = await bench.observe(ns);
    const actor = await bench.start(kind, { namespace: ns, allNodes: true });
    const points: Array<[number, number]> = [];
    let made = 0;
    for (const target of steps) {
      await createMany(bench.admin, ns, target - made, 8, (i) => NODES[i % NODES.length], `m-${made}-`);
      made = target;
      if ((await observer.count(target, 600_000)) === "timeout") bench.note(`${kind}: not every hook of ${target} was Pending`);
      await Bun.sleep(5_000);
      points.push([target, rssMb(actor.pid)]);
      console.log(`memory ${ACTOR_LABEL[kind]}: ${target} hooks → ${fmt(points[points.length - 1]?.[1])} MB`);
    }
    bench.results.memory[kind] = points;
    await actor.stop();
  }
}

if (import.meta.main) {
  const { newResults, withBench } = await import("./support/context.ts");
  const { writeResults } = await import("./support/report.ts");
  const results = newResults("start-up and memory");
  await withBench({ name: "startup", nodes: NODES }, results, async (bench) => {
    await startup(bench);
    await memory(bench, [0, 1_000, 2_000]);
  });
  console.log(`wrote ${writeResults(results, "startup")}`);
}
