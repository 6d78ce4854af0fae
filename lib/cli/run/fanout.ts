// The fan-out scheduler: one task per node, at most maxParallel at once, none started after maxFailures.

export interface FanOutLimits {
  maxParallel: number;
  /** Start no more nodes once this many have failed; undefined: run them all. */
  maxFailures?: number;
  /** Aborting stops starting nodes; the ones running are left to their task. */
  signal?: AbortSignal;
}

export type NodeResult<T> = { node: string; started: true; ok: boolean; value: T } | { node: string; started: false };

/** What a task reports: `ok` false counts against the failure budget. A task that throws stops the rollout. */
export type Task<T> = (node: string) => Promise<{ ok: boolean; value: T }>;

/**
 * Runs `task` for each node in order, keeping at most `maxParallel` in flight. Once `maxFailures`
 * tasks have failed (or the signal aborts) no further node starts; those are reported as not started.
 * Results come back in the order of `nodes`.
 */
export async function fanOut<T>(nodes: readonly string[], limits: FanOutLimits, task: Task<T>): Promise<NodeResult<T>[]> {
  if (!Number.isInteger(limits.maxParallel) || limits.maxParallel < 1) {
    throw new RangeError(`maxParallel must be a whole number of at least 1: ${limits.maxParallel}`);
  }
  const results = new Map<string, NodeResult<T>>();
  let failures = 0;
  let next = 0;
  let crashed = false;
  const stopped = (): boolean =>
    crashed || limits.signal?.aborted === true || (limits.maxFailures !== undefined && failures >= limits.maxFailures);

  async function lane(): Promise<void> {
    while (next < nodes.length && !stopped()) {
      const node = nodes[next++] as string;
      let outcome: { ok: boolean; value: T };
      try {
        outcome = await task(node);
      } catch (err) {
        crashed = true;
        throw err;
      }
      if (!outcome.ok) failures++;
      results.set(node, { node, started: true, ...outcome });
    }
  }

  const lanes = Array.from({ length: Math.min(limits.maxParallel, nodes.length) }, lane);
  const settled = await Promise.allSettled(lanes);
  const thrown = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (thrown) throw thrown.reason;
  return nodes.map((node) => results.get(node) ?? { node, started: false });
}
