// The hook creators: one hook at a time, a burst from parallel POST loops, and bulk loads for the memory runs.

import { API_VERSION, KIND } from "../../lib/constants.ts";
import type { Rest } from "../../lib/kube/rest.ts";
import { hooksPath, jobsPath } from "./api.ts";
import type { Observer } from "./observer.ts";

const SINGLE_TIMEOUT_MS = 15_000;

function hookBody(name: string, nodeName: string | undefined): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name },
    spec: { hookName: "bench", ...(nodeName && { nodeName }) },
  };
}

/** Creates one hook and waits until it is seen Pending with its Job: the latency from create answered to that. */
export async function oneHook(rest: Rest, observer: Observer, name: string, node: string): Promise<number | "timeout"> {
  await rest.request("POST", hooksPath(observer.ns), { body: hookBody(name, node) });
  const created = performance.now();
  const seen = await observer.seenAt(name, SINGLE_TIMEOUT_MS);
  return seen === "timeout" ? seen : seen - created;
}

/** Creates hooks named `${prefix}${i}` for i < n with `creators` parallel POST loops; `nodeOf(i)` aims each. */
export async function createMany(
  rest: Rest,
  ns: string,
  n: number,
  creators: number,
  nodeOf: (i: number) => string | undefined,
  prefix = "b-",
): Promise<void> {
  let next = 0;
  const loops = Array.from({ length: creators }, async () => {
    for (let i = next++; i < n; i = next++) {
      await rest.request("POST", hooksPath(ns), { body: hookBody(`${prefix}${i}`, nodeOf(i)) });
    }
  });
  await Promise.all(loops);
}

export interface BurstResult {
  /** First create → every hook seen Pending or later; Infinity when that timed out. */
  totalMs: number;
  createMs: number;
  done: number;
  /** [ms since the first create, hooks seen Pending so far], one point per hook, for the progress plot. */
  progress: Array<[number, number]>;
}

/** Creates `n` hooks at once; the time until all are Pending or later. */
export async function burst(rest: Rest, observer: Observer, n: number, creators: number, node: string): Promise<BurstResult> {
  const started = performance.now();
  await createMany(rest, observer.ns, n, creators, () => node);
  const createMs = performance.now() - started;
  const outcome = await observer.count(n, 180_000);
  const times = [...observer.seen.values()].map((t) => t - started).sort((a, b) => a - b);
  const progress = times.map((t, i): [number, number] => [t, i + 1]);
  const last = times[times.length - 1] ?? Number.POSITIVE_INFINITY;
  return { totalMs: outcome === "timeout" ? Number.POSITIVE_INFINITY : last, createMs, done: observer.seen.size, progress };
}

/**
 * Waits (up to capMs) until every Job in `namespaces` has a ready pod or has finished, so the next phase
 * shares the API server as little as possible with the last one's aftermath: the Job controller works
 * through a burst's Jobs at its client's 20 requests/s (a pod create and a status write each), over a
 * minute and a half for 1,000 Jobs. A side that meets that backlog is slowed by it, so a cap shorter
 * than that favours whichever side goes first.
 */
export async function settle(rest: Rest, namespaces: string[], capMs: number): Promise<string> {
  const started = performance.now();
  for (;;) {
    let open = 0;
    for (const ns of namespaces) {
      const jobs = await rest.request<{
        items: Array<{ status?: { succeeded?: number; failed?: number; ready?: number } }>;
      }>("GET", jobsPath(ns));
      open += jobs.items.filter((j) => !(j.status?.succeeded || j.status?.failed || j.status?.ready)).length;
    }
    const took = (performance.now() - started) / 1000;
    if (open === 0) return `earlier Jobs all running or finished after ${took.toFixed(1)} s`;
    if (took * 1000 > capMs) return `${open} earlier Jobs still without a ready pod after ${took.toFixed(0)} s; going on`;
    await Bun.sleep(1_000);
  }
}
