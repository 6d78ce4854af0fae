// Writes bench/results/<date>-<machine>[-<suffix>].md with the tables, and its SVG plots beside it.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ACTOR_LABEL, ACTORS, type ActorKind } from "./actors.ts";
import { judgeGoals } from "./goals.ts";
import { charts } from "./plots.ts";
import type { Results } from "./results.ts";
import { fmt, median, ratio, summary } from "./stats.ts";
import { renderChart } from "./svg.ts";

const RESULTS_DIR = join(import.meta.dir, "..", "results");

const row = (cells: Array<string | number>): string => `| ${cells.join(" | ")} |`;
const head = (cells: string[]): string[] => [row(cells), row(cells.map(() => "---"))];
const present = <T>(record: Partial<Record<ActorKind, T>> | undefined): Array<[ActorKind, T]> =>
  ACTORS.filter((k) => record?.[k] !== undefined).map((k) => [k, record?.[k] as T]);

function goals(r: Results): string[] {
  const judged = judgeGoals(r);
  if (!judged.length) return [];
  const missed = judged.filter((g) => !g.met).length;
  return [
    "## Goals (operator), from this run",
    "",
    ...head(["measure", "measured", "goal", ""]),
    ...judged.map((g) => row([g.measure, g.measured, g.goal, g.met ? "met" : "**missed**"])),
    "",
    ...(missed ? [`${missed} missed: docs/scale.md gives the measured cause of each.`, ""] : []),
  ];
}

function startup(r: Results): string[] {
  const rows = present(r.startup);
  if (!rows.length) return [];
  return [
    "## Start-up and idle memory",
    "",
    ...head(["", "start → ready (median ms)", "idle VmRSS (median MB)", "SIGTERM → exit (median ms)", "runs"]),
    ...rows.map(([k, s]) =>
      row([ACTOR_LABEL[k], fmt(median(s.readyMs), 0), fmt(median(s.idleRssMb)), fmt(median(s.stopMs), 0), s.readyMs.length]),
    ),
    "",
  ];
}

function latency(r: Results): string[] {
  const rows = present(r.latency);
  if (!rows.length) return [];
  const floor = r.latency?.floor ? summary(r.latency.floor.samples).p50 : undefined;
  return [
    "## Hook created → Job exists and status Pending (ms, one hook at a time)",
    "",
    ...head(["", "n", "p50", "p90", "p99", "max", "timeouts", "CPU s", "p50 ÷ floor"]),
    ...rows.map(([k, l]) => {
      const s = summary(l.samples);
      return row([
        ACTOR_LABEL[k],
        s.n,
        fmt(s.p50),
        fmt(s.p90),
        fmt(s.p99),
        fmt(s.max),
        l.timeouts,
        fmt(l.cpuSeconds, 2),
        ratio(s.p50, floor),
      ]);
    }),
    "",
  ];
}

function burst(r: Results): string[] {
  const rows = present(r.burst);
  if (!rows.length) return [];
  const floor = r.burst?.floor;
  const perHook = (cpu: number, hooks: number): number => (cpu / hooks) * 1000;
  return [
    "## Burst: hooks created at once → all Pending",
    "",
    ...head(["", "hooks", "all Pending (s)", "÷ floor", "CPU s", "CPU ms per hook", "÷ floor", "machine busy"]),
    ...rows.map(([k, b]) =>
      row([
        ACTOR_LABEL[k],
        `${b.done}/${b.hooks}`,
        fmt(b.totalMs / 1000, 2),
        ratio(b.totalMs, floor?.totalMs),
        fmt(b.cpuSeconds, 2),
        fmt(perHook(b.cpuSeconds, b.hooks), 2),
        ratio(b.cpuSeconds, floor?.cpuSeconds),
        `${fmt(b.machineBusy * 100, 0)}%`,
      ]),
    ),
    "",
    "SPEC §11 also asks of the operator CPU per hook ≤ 1.3× the floor's (the goals above judge the rest).",
    ...rows.filter(([, b]) => b.counters).map(([k, b]) => `${ACTOR_LABEL[k]} counters: ${JSON.stringify(b.counters)}`),
    "",
  ];
}

function memory(r: Results): string[] {
  const rows = present(r.memory);
  if (!rows.length) return [];
  const counts = [...new Set(rows.flatMap(([, pts]) => pts.map(([n]) => n)))].sort((a, b) => a - b);
  const at = (pts: Array<[number, number]>, n: number): string => fmt(pts.find(([x]) => x === n)?.[1]);
  const slope = (pts: Array<[number, number]>): string => {
    const [first, last] = [pts[0], pts[pts.length - 1]];
    return first && last && last[0] > first[0] ? fmt(((last[1] - first[1]) / (last[0] - first[0])) * 1000) : "-";
  };
  return [
    "## VmRSS against hooks (and their Jobs) in the namespace, --all-nodes (MB)",
    "",
    ...head(["hooks", ...rows.map(([k]) => ACTOR_LABEL[k])]),
    ...counts.map((n) => row([n, ...rows.map(([, pts]) => at(pts, n))])),
    row(["MB per 1,000 hooks", ...rows.map(([, pts]) => slope(pts))]),
    "",
  ];
}

function metacontroller(r: Results): string[] {
  const sides = r.metacontroller;
  if (!sides?.length) return [];
  const total = (list: Array<[string, number]>) => list.reduce((sum, [, n]) => sum + n, 0);
  return [
    "## Metacontroller burst (a model of its loop, client limited like Metacontroller's)",
    "",
    ...head(["webhook", "hooks", "client QPS", "all Succeeded after", "requests per hook", "by verb and resource"]),
    ...sides.map((s) =>
      row([
        s.label,
        `${s.succeeded}/${s.hooks}`,
        s.qps,
        `${fmt(s.seconds)} s`,
        fmt(total(s.perHook), 2),
        s.perHook.map(([k, n]) => `${k} ${fmt(n, 2)}`).join(", "),
      ]),
    ),
    "",
  ];
}

function fleetController(r: Results): string[] {
  const f = r.fleetController;
  if (!f) return [];
  const rates = (list: Array<[string, number]>) => list.map(([k, n]) => `${k} ${fmt(n, 3)}`).join(", ") || "none";
  const total = (list: Array<[string, number]>) => list.reduce((sum, [, n]) => sum + n, 0);
  return [
    `## The fleet controller over ${f.nodes} nodes`,
    "",
    ...head(["", "VmRSS", "requests"]),
    row([
      "idle, no hooks",
      `${fmt(f.idle.rssMb)} MB`,
      `${fmt(total(f.idle.requestsPerSecond), 3)}/s: ${rates(f.idle.requestsPerSecond)}`,
    ]),
    row([
      `assigning ${f.hooks} hooks`,
      `${fmt(f.busy.rssMb)} MB`,
      `${fmt(total(f.busy.perHook), 3)} per hook: ${rates(f.busy.perHook)}`,
    ]),
    row([
      `idle, ${f.hooks} hooks assigned`,
      `${fmt(f.after.rssMb)} MB`,
      `${fmt(total(f.after.requestsPerSecond), 3)}/s: ${rates(f.after.requestsPerSecond)}`,
    ]),
    "",
    `${f.assigned} of ${f.hooks} hooks assigned after ${fmt(f.assignMs / 1000)} s (checked every 5 s), ${fmt(f.busy.cpuSeconds, 2)} s of CPU (${fmt((f.busy.cpuSeconds / f.hooks) * 1000, 2)} ms per hook).`,
    "",
  ];
}

function fleet(r: Results): string[] {
  const f = r.fleet;
  if (!f) return [];
  const largest = f.idle[f.idle.length - 1];
  return [
    "## Fleet: one operator per kwok node",
    "",
    ...head([
      "nodes",
      "idle requests/s (fleet, audit log)",
      "per node per 10 min",
      "budget",
      "API server /metrics: more requests/s than without the fleet",
    ]),
    ...f.idle.map((i) =>
      row([i.nodes, fmt(i.requestsPerSecond, 3), fmt((i.requestsPerSecond / i.nodes) * 600, 2), "≤ 1", fmt(i.apiServerRate, 3)]),
    ),
    "",
    `Idle requests by verb and resource at ${largest?.nodes} nodes (per second): ${largest?.byKey.map(([k, n]) => `${k} ${fmt(n, 3)}`).join(", ") || "none"}.`,
    `Watches open per node: ${fmt(f.watchesPerNode, 2)} (${f.watchesByResource.map(([k, n]) => `${k} ${n}`).join(", ")}); budget ≤ 3.`,
    `API server: CPU ${fmt(f.apiServer.before.cpuPercent)}% → ${fmt(f.apiServer.after.cpuPercent)}% of one core at idle, VmRSS ${fmt(f.apiServer.before.rssMb, 0)} → ${fmt(f.apiServer.after.rssMb, 0)} MB (before → with the fleet).`,
    `${f.hooks} hooks spread over the fleet: all Succeeded after ${fmt(f.succeededMs / 1000)} s. Hooks in each controller's cache ÷ hooks aimed at it: ${fmt(f.cachedPerAimed.min, 2)}–${fmt(f.cachedPerAimed.max, 2)}; watch events per hook aimed at it: mean ${fmt(f.eventsPerHook.mean, 2)} (${fmt(f.eventsPerHook.min, 2)}–${fmt(f.eventsPerHook.max, 2)}). Operator VmRSS ${fmt(f.operatorRssMb.min)}–${fmt(f.operatorRssMb.max)} MB.`,
    ...(f.busyPerHook
      ? [
          `The fleet's requests per hook while the hooks ran: ${f.busyPerHook.map(([k, n]) => `${k} ${fmt(n, 2)}`).join(", ")}; the reads that explain Jobs that have not started (pod and Event lists): **${fmt(f.explainReadsPerHook ?? 0, 2)} per hook**.`,
        ]
      : []),
    `The fleet's Lease requests while the hooks ran (verb and status code): ${f.busyLeaseRequests.map(([k, n]) => `${k} × ${n}`).join(", ") || "none"}; a healthy holder renews 4 times a minute and nobody else writes.`,
    "",
  ];
}

function backlog(r: Results): string[] {
  const rows = present(r.backlog);
  if (!rows.length) return [];
  const out = [
    "## Backlog: hooks over three kwok nodes, --all-nodes",
    "",
    ...head([
      "",
      "hooks",
      "all Pending (s)",
      "all Succeeded (s)",
      "VmRSS idle / peak / settled (MB)",
      "CPU s",
      "requeues per hook",
    ]),
    ...rows.map(([k, b]) =>
      row([
        ACTOR_LABEL[k],
        b.hooks,
        fmt(b.pendingMs / 1000),
        b.succeededMs === undefined ? "-" : fmt(b.succeededMs / 1000),
        `${fmt(b.rss.idle)} / ${fmt(b.rss.peak)} / ${fmt(b.rss.settled)}`,
        fmt(b.cpuSeconds, 1),
        b.counters ? fmt((b.counters["reconcile_total:requeue"] ?? 0) / b.hooks, 2) : "-",
      ]),
    ),
    "",
  ];
  for (const [k, b] of rows) {
    out.push(`${ACTOR_LABEL[k]}: its own requests (audit log), per hook:`, "");
    out.push(...head(["verb resource", "requests", "per hook"]));
    out.push(...b.own.map(([key, n]) => row([key, n, fmt(n / b.hooks, 2)])), "");
    out.push(`${ACTOR_LABEL[k]}: every client's requests at the API server meanwhile (/metrics, top 12):`, "");
    out.push(...head(["verb resource", "requests", "per hook"]));
    out.push(...b.apiServer.slice(0, 12).map(([key, n]) => row([key, n, fmt(n / b.hooks, 2)])), "");
  }
  return out;
}

/** Writes the results file and its plots; returns the file's path. */
export function writeResults(r: Results, suffix = ""): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = `${r.started.toISOString().slice(0, 10)}-${r.machine.name}${suffix ? `-${suffix}` : ""}`;
  const plots = charts(r).map(([name, chart]) => {
    const file = `${base}-${name}.svg`;
    writeFileSync(join(RESULTS_DIR, file), renderChart(chart));
    return `![${chart.title}](${file})`;
  });
  const lines = [
    `# Benchmark results ${r.started.toISOString().slice(0, 16).replace("T", " ")} UTC${r.label ? ` (${r.label})` : ""}`,
    "",
    `Machine \`${r.machine.name}\`: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGb} GB memory. Load average (1, 5, 15 min) before: ${r.load.before}; after: ${r.load.after ?? "-"}.`,
    "Everything (the API server, etcd, the controller manager, kwok, the benchmark's clients and the measured process) shares these cores; other work on the machine shows up as noise, so compare sides of one run rather than runs.",
    "",
    ...goals(r),
    ...startup(r),
    ...latency(r),
    ...burst(r),
    ...memory(r),
    ...fleet(r),
    ...fleetController(r),
    ...metacontroller(r),
    ...backlog(r),
    ...(plots.length ? ["## Plots", "", ...plots, ""] : []),
    ...(r.notes.length ? ["## Notes", "", ...r.notes.map((n) => `- ${n}`), ""] : []),
  ];
  const path = join(RESULTS_DIR, `${base}.md`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}
