// Counts given as a number or a percentage of the rollout's nodes, and durations such as 1h30m.

import type { IntOrPercent } from "./types.ts";

const PERCENT = /^(\d{1,3})%$/;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * `value` as a count of `total` nodes: a number as it is, a percentage rounded down; never below `min`.
 * Undefined gives `fallback`.
 */
export function resolveCount(value: IntOrPercent | undefined, total: number, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number") return Math.max(min, value);
  const match = PERCENT.exec(value);
  if (!match) throw new RangeError(`A count must be a whole number or a percentage: ${JSON.stringify(value)}`);
  return Math.max(min, Math.floor((total * Number(match[1])) / 100));
}

/** "1h30m" → 5,400,000 ms. Hours, minutes and seconds, as the CRD allows. */
export function durationMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match || text === "")
    throw new RangeError(`A duration is hours, minutes and seconds, e.g. 1h30m: ${JSON.stringify(text)}`);
  const [, h = "0", m = "0", s = "0"] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}
