// Percentiles and number formatting for the benchmark reports.

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function summary(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.max(0, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** A number with `digits` decimals, or "-" when there is none. */
export const fmt = (x: number | undefined, digits = 1): string =>
  x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : "-";

/** `a / b` as "1.23×", or "-". */
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b !== undefined && Number.isFinite(a / b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "-";
