// A fleet (issue 13): kwok nodes and one real operator process per node, as the DaemonSet runs them.
// Measures the fleet's idle request rate at the API server (its /metrics; the rate without the fleet is
// subtracted), watches open per node, the API server's CPU and VmRSS without and with the fleet, then
// BENCH_FLEET_HOOKS (1,000) hooks spread over the fleet: time to Succeeded, and whether each controller
// received only its own hooks. `npm run bench:fleet [-- --full]`; BENCH_LABEL names the results file: 50 nodes (200 with --full; or
// BENCH_FLEET_NODES), measured at a fifth of the fleet and at all of it; BENCH_FLEET_IDLE_S (120).

import type { Actor } from "./support/actors.ts";
import { apiServerSample, countsBetween, openWatches, type RequestCounts, requestCounts } from "./support/apiserver.ts";
import { auditCounts, leaseCounts, readAudit } from "./support/audit.ts";
import type { Bench } from "./support/context.ts";
import { createMany } from "./support/creators.ts";
import { rssMb } from "./support/proc.ts";
import type { FleetResult } from "./support/results.ts";
import { fmt } from "./support/stats.ts";

export const fleetNodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `fleet-${String(i).padStart(4, "0")}`);

/** Resource requests (watches aside) per second over a window, and the API server's CPU meanwhile. */
async function idleWindow(
  bench: Bench,
  seconds: number,
): Promise<{
  counts: RequestCounts;
  perSecond: Map<string, number>;
  ownPerSecond: Map<string, number>;
  cpuPercent: number;
}> {
  const cpu0 = apiServerSample(bench.cluster).cpuSeconds;
  const before = await requestCounts(bench.cluster);
  const from = Date.now();
  await Bun.sleep(seconds * 1000);
  const to = Date.now();
  const after = await requestCounts(bench.cluster);
  const cpuPercent = ((apiServerSample(bench.cluster).cpuSeconds - cpu0) / seconds) * 100;
  const perSecond = new Map(
    countsBetween(before, after)
      .filter(([key]) => !key.startsWith("WATCH") && !key.endsWith(" -") && !key.includes("apiserver"))
      .map(([key, n]): [string, number] => [key, n / seconds]),
  );
  // The operators' own requests, told apart by their ServiceAccount in the audit log.
  const own = bench.cluster.auditLogPath ? auditCounts(readAudit(bench.cluster.auditLogPath), from, to) : [];
  const ownPerSecond = new Map(
    own.filter(([key]) => !key.startsWith("watch ")).map(([key, n]): [string, number] => [key, n / seconds]),
  );
  return { counts: after, perSecond, ownPerSecond, cpuPercent };
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

async function metric(url: string, name: string, label = ""): Promise<number> {
  const text = await (await fetch(`${url}metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) if (line.startsWith(`${name}{`) && line.includes(label)) sum += Number(line.split(" ")[1]);
  return sum;
}

export async function fleet(bench: Bench, nodes: string[]): Promise<void> {
  const idleSeconds = Number(process.env.BENCH_FLEET_IDLE_S ?? 120);
  const hooks = Number(process.env.BENCH_FLEET_HOOKS ?? 1_000);
  const ns = await bench.env.namespace("fleet");
  const watches0 = await openWatches(bench.cluster);
  const baseline = await idleWindow(bench, idleSeconds);
  const rss0 = apiServerSample(bench.cluster).rssMb;
  console.log(
    `fleet: without it ${fmt(total(baseline.perSecond), 2)} requests/s, API server ${fmt(baseline.cpuPercent)}% CPU, ${fmt(rss0, 0)} MB`,
  );

  const sizes = [...new Set([Math.max(1, Math.round(nodes.length / 5)), nodes.length])];
  const operators: Actor[] = [];
  const idle: FleetResult["idle"] = [];
  let last = baseline;
  for (const size of sizes) {
    while (operators.length < size) {
      const batch = nodes.slice(operators.length, Math.min(size, operators.length + 5));
      operators.push(...(await Promise.all(batch.map((node) => bench.start("operator", { namespace: ns, node })))));
    }
    await Bun.sleep(30_000);
    last = await idleWindow(bench, idleSeconds);
    // Everyone's requests at the API server (its /metrics) minus the same window without the fleet; and the
    // operators' own (the audit log), which does not depend on how busy the rest of the cluster was.
    const apiServerRate = Math.max(0, total(last.perSecond) - total(baseline.perSecond));
    const byKey = [...last.ownPerSecond.entries()].sort((a, b) => b[1] - a[1]);
    const rate = total(last.ownPerSecond);
    idle.push({ nodes: size, seconds: idleSeconds, requestsPerSecond: rate, apiServerRate, byKey });
    console.log(
      `fleet of ${size}: ${fmt(rate, 3)} idle requests/s of its own (${byKey.map(([k, r]) => `${k} ${fmt(r, 3)}`).join(", ")}); API server sees ${fmt(apiServerRate, 3)} more, ${fmt(last.cpuPercent)}% CPU`,
    );
  }
  const watches = await openWatches(bench.cluster);
  const watchesByResource = [...watches.entries()]
    .map(([key, n]): [string, number] => [key, n - (watches0.get(key) ?? 0)])
    .filter(([, n]) => n > 0);
  const rss1 = apiServerSample(bench.cluster).rssMb;

  const observer = await bench.observe(ns);
  const startedAt = Date.now();
  const started = performance.now();
  await createMany(bench.admin, ns, hooks, 8, (i) => nodes[i % nodes.length], "f-");
  if ((await observer.count(hooks, 1_800_000, "succeeded")) === "timeout") bench.note("fleet: not every hook Succeeded");
  const succeededMs = Math.max(...observer.succeeded.values()) - started;
  const { auditLogPath } = bench.cluster;
  const busyAudit = auditLogPath ? readAudit(auditLogPath) : [];
  const busyLeaseRequests = leaseCounts(busyAudit, startedAt, Date.now());
  // Per hook while they ran: the writes, and the reads that explain Jobs that have not started.
  const busyPerHook = auditCounts(busyAudit, startedAt, Date.now())
    .filter(([key]) => !key.startsWith("watch "))
    .map(([key, n]): [string, number] => [key, n / hooks]);
  const explainReadsPerHook = busyPerHook
    .filter(([key]) => key === "list pods" || key === "list events")
    .reduce((sum, [, n]) => sum + n, 0);
  const aimed = (i: number): number => Math.floor(hooks / nodes.length) + (i < hooks % nodes.length ? 1 : 0);
  const cached: number[] = [];
  const events: number[] = [];
  for (const [i, op] of operators.entries()) {
    cached.push((await metric(op.url as string, "plexd_hook_hooks")) / aimed(i));
    events.push((await metric(op.url as string, "plexd_hook_watch_events_total", 'resource="plexdhooks"')) / aimed(i));
  }
  const rss = operators.map((op) => rssMb(op.pid));
  bench.results.fleet = {
    nodes: sizes,
    idle,
    watchesPerNode: watchesByResource.reduce((a, [, n]) => a + n, 0) / operators.length,
    watchesByResource,
    apiServer: { before: { cpuPercent: baseline.cpuPercent, rssMb: rss0 }, after: { cpuPercent: last.cpuPercent, rssMb: rss1 } },
    hooks,
    cachedPerAimed: { min: Math.min(...cached), max: Math.max(...cached) },
    eventsPerHook: {
      min: Math.min(...events),
      max: Math.max(...events),
      mean: events.reduce((a, b) => a + b, 0) / events.length,
    },
    succeededMs,
    busyLeaseRequests,
    busyPerHook,
    explainReadsPerHook,
    operatorRssMb: { min: Math.min(...rss), max: Math.max(...rss) },
  };
  console.log(
    `fleet: per hook ${busyPerHook.map(([k, n]) => `${k} ${fmt(n, 2)}`).join(", ")}; explanation reads ${fmt(explainReadsPerHook, 2)} per hook`,
  );
  console.log(
    `fleet: ${hooks} hooks Succeeded after ${fmt(succeededMs / 1000)} s; cached ÷ aimed ${fmt(Math.min(...cached), 2)}–${fmt(Math.max(...cached), 2)}; Lease requests meanwhile ${busyLeaseRequests.map(([k, n]) => `${k} × ${n}`).join(", ")}`,
  );
  await Promise.all(operators.map((op) => op.stop()));
}

if (import.meta.main) {
  const { newResults, withBench } = await import("./support/context.ts");
  const { writeResults } = await import("./support/report.ts");
  const full = process.argv.includes("--full");
  const n = Number(process.env.BENCH_FLEET_NODES ?? (full ? 200 : 50));
  const label = process.env.BENCH_LABEL;
  const results = newResults(`fleet of ${n}${label ? `, ${label}` : ""}`);
  const nodes = fleetNodes(n);
  await withBench({ name: "fleet", nodes, auditLog: true }, results, (bench) => fleet(bench, nodes));
  console.log(`wrote ${writeResults(results, label ? `fleet-${label}` : "fleet")}`);
}
