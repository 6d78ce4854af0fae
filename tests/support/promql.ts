// What the monitoring kit reads: metric names in PromQL, the series names a prom-client registry exports.

import type { Registry } from "prom-client";

// Words of PromQL that are neither functions (those are followed by "(") nor metric names.
const KEYWORDS = new Set("by without on ignoring group_left group_right bool and or unless offset".split(" "));
const NUMBERS = new Set(["inf", "nan"]);

/**
 * The metric names a PromQL expression (Grafana variables allowed) reads. Strings, label matchers,
 * ranges and grouping lists are dropped first; of the words left, those followed by "(" are functions.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.$])[A-Za-z_:][\w:]*/g)) {
    const word = match[0];
    const next = bare.slice(match.index + word.length).trimStart()[0];
    if (next === "(" || KEYWORDS.has(word) || NUMBERS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** The metric a Grafana variable query reads: `label_values(METRIC{...}, label)`, or a PromQL query. */
export function variableMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\(\s*([^,]+),\s*\w+\s*\)\s*$/.exec(query);
  return metricNames(labelValues ? labelValues[1]! : query);
}

export interface ExportedMetric {
  name: string;
  type: string;
  help: string;
  labels: string[];
}

/** What a registry defines, in the order it was defined. */
export function exportedMetrics(registry: Registry): ExportedMetric[] {
  return registry.getMetricsAsArray().map((metric) => ({
    name: metric.name,
    type: String(metric.type),
    help: metric.help,
    labels: [...((metric as { labelNames?: readonly string[] }).labelNames ?? [])],
  }));
}

/** The series names of those metrics: a histogram's _bucket, _sum and _count, a summary's _sum and _count too. */
export function seriesNames(metrics: readonly ExportedMetric[]): Set<string> {
  const names = new Set<string>();
  for (const { name, type } of metrics) {
    names.add(name);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    if (type === "summary") for (const suffix of ["_sum", "_count"]) names.add(name + suffix);
  }
  return names;
}
