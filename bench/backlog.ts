// A backlog (issue 13): BENCH_BACKLOG_HOOKS (3,000) hooks created at once over three kwok nodes, handled by
// one --all-nodes side, until all are Succeeded (the floor: Pending; it does nothing more). Reports the API
// requests by verb and resource (the API server's /metrics for everyone, its audit log for the side's own),
// the operator's requeues per hook, and VmRSS idle, at the peak and settled.
// `npm run bench:backlog`; BENCH_BACKLOG_ACTORS (operator,floor), BENCH_LABEL names the results file.

import { ACTOR_LABEL, type ActorKind, operatorCounters } from "./support/actors.ts";
import { countsBetween, requestCounts } from "./support/apiserver.ts";
import { auditCounts, readAudit } from "./support/audit.ts";
import type { Bench } from "./support/context.ts";
import { createMany, settle } from "./support/creators.ts";
import { cpuSeconds, rssMb } from "./support/proc.ts";
import { fmt } from "./support/stats.ts";

const NODES = ["node-a", "node-b", "node-c"];

export async function backlog(bench: Bench, hooks: number, actors: readonly ActorKind[]): Promise<void> {
  bench.results.backlog = {};
  for (const kind of actors) {
    const ns = await bench.env.namespace(`backlog-${kind}`);
    const observer = await bench.observe(ns);
    const actor = await bench.start(kind, { namespace: ns, allNodes: true });
    await Bun.sleep(3_000);
    const rss = { idle: rssMb(actor.pid), peak: 0, settled: 0 };
    const sampler = setInterval(() => {
      if (actor.exitCode() === null) rss.peak = Math.max(rss.peak, rssMb(actor.pid));
    }, 1_000);
    let stopping = false;
    void actor.exited.then((code) => {
      if (!stopping) bench.note(`${kind} exited with ${code} during the backlog: ${actor.tail().join(" / ")}`);
    });
    const cpu0 = cpuSeconds(actor.pid);
    const before = await requestCounts(bench.cluster);
    const from = Date.now();
    const started = performance.now();
    await createMany(bench.admin, ns, hooks, 8, (i) => NODES[i % NODES.length], "h-");
    console.log(`backlog ${ACTOR_LABEL[kind]}: ${hooks} hooks created in ${fmt((performance.now() - started) / 1000)} s`);
    if ((await observer.count(hooks, 1_200_000)) === "timeout") bench.note(`${kind}: not every backlog hook was Pending`);
    const pendingMs = Math.max(...observer.seen.values()) - started;
    let succeededMs: number | undefined;
    if (kind !== "floor") {
      if ((await observer.count(hooks, 1_800_000, "succeeded")) === "timeout")
        bench.note(`${kind}: not every backlog hook Succeeded`);
      succeededMs = Math.max(...observer.succeeded.values()) - started;
    }
    const to = Date.now();
    const after = await requestCounts(bench.cluster);
    await Bun.sleep(10_000);
    clearInterval(sampler);
    rss.settled = actor.exitCode() === null ? rssMb(actor.pid) : Number.NaN;
    rss.peak = Math.max(rss.peak, rss.settled);
    const counters = actor.url ? await operatorCounters(actor.url) : undefined;
    const cpuUsed = actor.exitCode() === null ? cpuSeconds(actor.pid) - cpu0 : Number.NaN;
    stopping = true;
    await actor.stop();
    const own = bench.cluster.auditLogPath ? auditCounts(readAudit(bench.cluster.auditLogPath), from, to) : [];
    bench.results.backlog[kind] = {
      hooks,
      pendingMs,
      ...(succeededMs !== undefined && { succeededMs }),
      apiServer: countsBetween(before, after),
      own,
      ...(counters && { counters }),
      rss,
      cpuSeconds: cpuUsed,
    };
    console.log(
      `backlog ${ACTOR_LABEL[kind]}: Pending after ${fmt(pendingMs / 1000)} s, Succeeded after ${fmt((succeededMs ?? Number.NaN) / 1000)} s; RSS ${fmt(rss.idle)}/${fmt(rss.peak)}/${fmt(rss.settled)} MB; own requests ${own.map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
    if (counters) console.log(`  counters ${JSON.stringify(counters)}`);
    console.log(`  ${await settle(bench.admin, [ns], 600_000)}`);
  }
}

if (import.meta.main) {
  const { newResults, withBench } = await import("./support/context.ts");
  const { writeResults } = await import("./support/report.ts");
  const label = process.env.BENCH_LABEL;
  const results = newResults(label ? `backlog, ${label}` : "backlog");
  const hooks = Number(process.env.BENCH_BACKLOG_HOOKS ?? 3_000);
  const actors = (process.env.BENCH_BACKLOG_ACTORS ?? "operator,floor").split(",") as ActorKind[];
  await withBench({ name: "backlog", nodes: NODES, auditLog: true }, results, (bench) => backlog(bench, hooks, actors));
  console.log(`wrote ${writeResults(results, label ? `backlog-${label}` : "backlog")}`);
}
