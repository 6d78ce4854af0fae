// The API server's own view: requests by verb and resource from /metrics, long-running watches, its CPU and RSS.

import type { Cluster } from "../../tests/cluster/cluster.ts";
import { seriesLabels } from "../../tests/support/recording.ts";
import { cpuSeconds, findPid, rssMb } from "./proc.ts";

/** `verb resource[/subresource]` → requests so far. */
export type RequestCounts = Map<string, number>;

const SERIES = /^apiserver_request_total\{([^}]*)\} (\S+)$/;
const WATCHES = /^apiserver_longrunning_requests\{([^}]*)\} (\S+)$/;

async function metrics(cluster: Cluster): Promise<string[]> {
  const result = await cluster.kubectl(["get", "--raw", "/metrics"]);
  if (result.code !== 0) throw new Error(`reading the API server's /metrics failed: ${result.stderr.trim()}`);
  return result.stdout.split("\n");
}

/** Requests answered so far, by verb and resource; watches counted as WATCH (one per watch opened). */
export async function requestCounts(cluster: Cluster): Promise<RequestCounts> {
  const counts: RequestCounts = new Map();
  for (const line of await metrics(cluster)) {
    const m = SERIES.exec(line);
    if (!m) continue;
    const l = seriesLabels(m[1] as string);
    const key = `${l.verb} ${l.resource || l.component || "-"}${l.subresource ? `/${l.subresource}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** What happened between two snapshots, largest first. */
export function countsBetween(before: RequestCounts, after: RequestCounts): Array<[string, number]> {
  return [...after.entries()]
    .map(([key, n]): [string, number] => [key, n - (before.get(key) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

/** Watches open at the API server, by resource. */
export async function openWatches(cluster: Cluster): Promise<Map<string, number>> {
  const open = new Map<string, number>();
  for (const line of await metrics(cluster)) {
    const m = WATCHES.exec(line);
    if (!m) continue;
    const l = seriesLabels(m[1] as string);
    if (l.verb !== "WATCH") continue;
    const key = `${l.resource}${l.subresource ? `/${l.subresource}` : ""}`;
    open.set(key, (open.get(key) ?? 0) + Number(m[2]));
  }
  return open;
}

export interface ProcessSample {
  cpuSeconds: number;
  rssMb: number;
}

/** The cluster's kube-apiserver process: CPU seconds used so far and VmRSS. */
export function apiServerSample(cluster: Cluster): ProcessSample {
  const pid = findPid("kube-apiserver", cluster.dir);
  if (pid === undefined) throw new Error(`no kube-apiserver process for ${cluster.dir}`);
  return { cpuSeconds: cpuSeconds(pid), rssMb: rssMb(pid) };
}
