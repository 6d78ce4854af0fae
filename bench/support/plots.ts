// The plots of a results file: latency CDF, burst progress, VmRSS against hooks, fleet idle requests against nodes.

import { ACTOR_LABEL, ACTORS, type ActorKind } from "./actors.ts";
import type { Results } from "./results.ts";
import { type Chart, cdf, type Series } from "./svg.ts";

/** Fleet idle requests/s per node of the 0.1 design, read from its code: a Lease GET every 2 s. */
const TODAY_IDLE_PER_NODE = 0.5;
/** The budget: one request per node per 10 minutes. */
const BUDGET_IDLE_PER_NODE = 1 / 600;

const present = <T>(record: Partial<Record<ActorKind, T>> | undefined): Array<[ActorKind, T]> =>
  ACTORS.filter((k) => record?.[k] !== undefined).map((k) => [k, record?.[k] as T]);

export function charts(r: Results): Array<[string, Chart]> {
  const out: Array<[string, Chart]> = [];
  const lat = present(r.latency);
  if (lat.length)
    out.push([
      "latency",
      {
        title: "Hook created → Job created and Pending seen (CDF)",
        x: { label: "ms" },
        y: { label: "fraction of hooks" },
        series: lat.map(([k, l]) => ({ label: ACTOR_LABEL[k], points: cdf(l.samples), step: true })),
      },
    ]);
  const bursts = present(r.burst);
  if (bursts.length)
    out.push([
      "burst",
      {
        title: "Burst progress: hooks Pending over time",
        x: { label: "s since the first create" },
        y: { label: "hooks Pending" },
        series: bursts.map(([k, b]) => ({
          label: ACTOR_LABEL[k],
          points: b.progress.map(([t, n]) => [t / 1000, n]),
          step: true,
        })),
      },
    ]);
  const mem = present(r.memory);
  if (mem.length)
    out.push([
      "memory",
      {
        title: "VmRSS against hooks and Jobs in the namespace (--all-nodes)",
        x: { label: "hooks" },
        y: { label: "MB" },
        series: [
          ...mem.map(([k, pts]): Series => ({ label: ACTOR_LABEL[k], points: pts })),
          { label: "budget at 10,000: 120 MB", points: [[10_000, 120]], markers: true },
        ],
      },
    ]);
  if (r.fleet) {
    const sizes = [10, 100, 1_000, 5_000];
    const perNode =
      (r.fleet.idle[r.fleet.idle.length - 1]?.requestsPerSecond ?? 0) / (r.fleet.idle[r.fleet.idle.length - 1]?.nodes || 1);
    out.push([
      "fleet",
      {
        title: "Fleet idle requests/s against node count",
        x: { label: "nodes", log: true },
        y: { label: "requests/s", log: true },
        series: [
          { label: "measured", points: r.fleet.idle.map((i) => [i.nodes, Math.max(i.requestsPerSecond, 1e-3)]), markers: true },
          { label: "measured, extrapolated", points: sizes.map((n) => [n, Math.max(perNode * n, 1e-3)]), dashed: true },
          { label: "today's design (Lease poll every 2 s)", points: sizes.map((n) => [n, n * TODAY_IDLE_PER_NODE]) },
          { label: "budget: 1 per node per 10 min", points: sizes.map((n) => [n, n * BUDGET_IDLE_PER_NODE]), dashed: true },
        ],
      },
    ]);
  }
  return out;
}
