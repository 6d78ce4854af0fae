// The order a rollout runs its nodes in, cut into segments: one partition at a time, and batches within.

import { resolveCount } from "./quantity.ts";
import type { IntOrPercent } from "./types.ts";

export interface Segment {
  /** The partitionBy label value of its nodes ("" without partitionBy, or for nodes without the label). */
  partition: string;
  nodes: string[];
}

/** Partitions in the order of their values, nodes without the label last; within one, nodes by name. */
export function runOrder(names: readonly string[], partitionOf: (name: string) => string): string[] {
  const key = (name: string): [number, string] => {
    const partition = partitionOf(name);
    return [partition === "" ? 1 : 0, partition];
  };
  return names.toSorted((a, b) => {
    const [ea, pa] = key(a);
    const [eb, pb] = key(b);
    return ea - eb || (pa < pb ? -1 : pa > pb ? 1 : 0) || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/**
 * Cuts `ordered` into segments: a new one where the partition changes, and, with `batches`, where a
 * batch is full (sizes in order, the last repeating; percentages of `total`, at least 1).
 */
export function segments(
  ordered: readonly string[],
  partitionOf: (name: string) => string,
  batches: readonly IntOrPercent[] | undefined,
  total: number,
): Segment[] {
  const sizes = (batches ?? []).map((b) => resolveCount(b, total, 1, 1));
  const sizeOf = (index: number): number =>
    sizes.length === 0 ? Number.POSITIVE_INFINITY : (sizes[Math.min(index, sizes.length - 1)] as number);
  const result: Segment[] = [];
  let current: Segment | undefined;
  for (const name of ordered) {
    const partition = partitionOf(name);
    if (!current || current.partition !== partition || current.nodes.length >= sizeOf(result.length - 1)) {
      current = { partition, nodes: [] };
      result.push(current);
    }
    current.nodes.push(name);
  }
  return result;
}
