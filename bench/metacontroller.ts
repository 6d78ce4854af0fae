// A Metacontroller burst (issue 22 §3): BENCH_MC_HOOKS (200) hooks applied at once on one kwok node, run
// through `plexd-hook webhook` by a model of Metacontroller's loop (bench/support/metacontroller-model.ts)
// whose client is limited like Metacontroller's (BENCH_MC_QPS 5, burst 10, 5 workers): the time until
// every hook Succeeded, and Metacontroller's requests per hook, by verb and resource.
// BENCH_MC_WEBHOOKS="label=binary,..." compares builds of the webhook (default: this build).
// `npm run bench:metacontroller`; writes bench/results/<date>-<machine>-metacontroller.md.

import { join } from "node:path";
import { freePorts } from "../tests/cluster/ports.ts";
import { waitFor } from "../tests/cluster/wait.ts";
import { startOperator } from "../tests/e2e/support/operator.ts";
import type { Bench } from "./support/context.ts";
import { createMany } from "./support/creators.ts";
import { MetacontrollerModel } from "./support/metacontroller-model.ts";
import type { MetacontrollerSide } from "./support/results.ts";
import { fmt } from "./support/stats.ts";

const NODE = "node-a";
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

function webhooks(): Array<[string, string]> {
  const spec = process.env.BENCH_MC_WEBHOOKS ?? `this build=${join(import.meta.dir, "..", "plexd-hook")}`;
  return spec.split(",").map((entry) => entry.split("=", 2) as [string, string]);
}

async function side(bench: Bench, label: string, binary: string, index: number): Promise<MetacontrollerSide> {
  const hooks = env("BENCH_MC_HOOKS", 200);
  const qps = env("BENCH_MC_QPS", 5);
  const ns = await bench.env.namespace(`mc-${index}`);
  const [port] = await freePorts(1);
  const webhook = startOperator(["webhook", "--addr", `127.0.0.1:${port}`], {}, [binary]);
  const url = `http://127.0.0.1:${port}`;
  const model = new MetacontrollerModel({
    rest: bench.admin,
    ns,
    webhook: url,
    node: await bench.admin.request("GET", `/api/v1/nodes/${NODE}`),
    qps,
    burst: env("BENCH_MC_BURST", 10),
    workers: 5,
    finalize: true,
  });
  try {
    await waitFor(
      "the webhook to be ready",
      () =>
        fetch(`${url}/readyz`).then(
          (r) => r.ok || undefined,
          () => undefined,
        ),
      {
        timeoutMs: 30_000,
        intervalMs: 50,
      },
    );
    model.start();
    const observer = await bench.observe(ns);
    const started = performance.now();
    await createMany(bench.admin, ns, hooks, 8, () => NODE, "mc-");
    const outcome = await observer.count(hooks, env("BENCH_MC_TIMEOUT_S", 1_800) * 1000, "succeeded");
    const seconds = (performance.now() - started) / 1000;
    if (outcome === "timeout") bench.note(`${label}: ${observer.succeeded.size} of ${hooks} hooks Succeeded in time`);
    if (model.errors.length) bench.note(`${label}: ${model.errors.length} errors in the model, e.g. ${model.errors[0]}`);
    const perHook = [...model.requests.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]): [string, number] => [key, n / hooks]);
    console.log(
      `metacontroller, ${label}: ${observer.succeeded.size}/${hooks} Succeeded after ${fmt(seconds)} s; per hook ${perHook.map(([k, n]) => `${k} ${fmt(n, 2)}`).join(", ")}`,
    );
    return { label, hooks, qps, seconds, succeeded: observer.succeeded.size, perHook };
  } finally {
    model.close();
    await webhook.stop();
  }
}

export async function metacontrollerBurst(bench: Bench): Promise<void> {
  bench.results.metacontroller = [];
  for (const [i, [label, binary]] of webhooks().entries()) bench.results.metacontroller.push(await side(bench, label, binary, i));
}

if (import.meta.main) {
  const { newResults, withBench } = await import("./support/context.ts");
  const { writeResults } = await import("./support/report.ts");
  const results = newResults("Metacontroller burst");
  await withBench({ name: "metacontroller", nodes: [NODE] }, results, metacontrollerBurst);
  console.log(`wrote ${writeResults(results, "metacontroller")}`);
}
