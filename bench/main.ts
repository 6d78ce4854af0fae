// `npm run bench`: the quick set (start-up, latency, burst, memory) on one local control plane, a few
// minutes; `npm run bench -- --full` adds 10,000 hooks to the memory run and the fleet (on a cluster of
// its own). Writes bench/results/<date>-<machine>.md and its plots. Benchmarks report; they never gate CI.

import { fleet, fleetNodes } from "./fleet.ts";
import { burstsApart, singleHooks } from "./latency.ts";
import { memory, startup } from "./startup.ts";
import { newResults, withBench } from "./support/context.ts";
import { writeResults } from "./support/report.ts";

const full = process.argv.includes("--full");
const results = newResults(full ? "full set" : "quick set");
const steps = process.env.BENCH_MEMORY_STEPS?.split(",").map(Number) ?? (full ? [0, 2_500, 5_000, 10_000] : [0, 1_000, 2_000]);
await withBench({ name: "bench", nodes: ["node-a", "node-b", "node-c"] }, results, async (bench) => {
  await startup(bench);
  await singleHooks(bench);
  await memory(bench, steps);
});
await burstsApart(results);
if (full) {
  const nodes = fleetNodes(Number(process.env.BENCH_FLEET_NODES ?? 200));
  await withBench({ name: "fleet", nodes, auditLog: true }, results, (bench) => fleet(bench, nodes));
}
console.log(`wrote ${writeResults(results)}`);
