// Measures (never asserts) SPEC §11's start-up and memory budgets on the local control plane:
// binary start → ready, idle RSS, SIGTERM → exit, and RSS with many hooks. `npm run bench`.

import { readFileSync } from "node:fs";
import { startCluster } from "../tests/cluster/cluster.ts";
import { hookYaml, setUp } from "../tests/e2e/support/cluster.ts";
import { startOperator } from "../tests/e2e/support/operator.ts";

const RUNS = 5;
const HOOKS = Number(process.env.BENCH_HOOKS ?? 2_000);

// Bun under-reports process.memoryUsage().rss; the kernel's count is the one that matters.
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const cluster = await startCluster({ name: "bench", nodes: ["node-a"] });
try {
  const env = await setUp(cluster);
  const ns = await env.namespace("bench");
  const ready: number[] = [];
  const idle: number[] = [];
  const stop: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const op = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", ns, "--node-name", "node-a"]);
    const base = await op.healthUrl();
    while (
      !(await fetch(`${base}readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      await Bun.sleep(5);
    ready.push(performance.now() - started);
    await Bun.sleep(2_000);
    idle.push(rssMb(op.proc.pid));
    const stopping = performance.now();
    await op.stop();
    stop.push(performance.now() - stopping);
  }
  console.log(
    `start → ready   median ${median(ready).toFixed(0)} ms  (budget 300 ms; runs: ${ready.map((x) => x.toFixed(0)).join(", ")})`,
  );
  console.log(`idle RSS        median ${median(idle).toFixed(1)} MB  (budget 64 MB)`);
  console.log(`SIGTERM → exit  median ${median(stop).toFixed(0)} ms`);

  const items = Array.from({ length: HOOKS }, (_, i) =>
    JSON.parse(hookYaml(`h-${i}`, ns, { hookName: "bench", nodeName: "node-elsewhere" })),
  );
  for (let i = 0; i < items.length; i += 500) {
    await env.k(
      ["apply", "--server-side", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: items.slice(i, i + 500) }),
    );
  }
  const op = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", ns, "--all-nodes"]);
  await op.waitReady();
  await Bun.sleep(5_000);
  console.log(`RSS with ${HOOKS} hooks and Jobs in cluster mode: ${rssMb(op.proc.pid).toFixed(1)} MB  (budget 160 MB at 10,000)`);
  await op.stop();
} finally {
  await cluster.stop();
}
