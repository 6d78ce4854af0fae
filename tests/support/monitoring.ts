// The monitoring kit's files (deploy/monitoring) as data: the alerting rules, their tests, the dashboard and its queries.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { variableMetricNames } from "./promql.ts";

const REPO = join(import.meta.dir, "..", "..");
export const MONITORING = join(REPO, "deploy", "monitoring");
export const RULES = join(MONITORING, "plexd-hook.rules.yaml");
export const RULE_TESTS = join(MONITORING, "plexd-hook.rules.test.yaml");
const DASHBOARD = join(MONITORING, "plexd-hook.dashboard.json");
export const DOCS = join(REPO, "docs", "operations.md");

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function readRules(): AlertRule[] {
  return (parse(readFileSync(RULES, "utf8")).groups as { rules: AlertRule[] }[]).flatMap((group) => group.rules);
}

export function readDashboard(): any {
  return JSON.parse(readFileSync(DASHBOARD, "utf8"));
}

/** Where each alert's runbook is: its section of docs/operations.md. */
export function runbookUrl(alert: string): string {
  return `https://github.com/plexsphere/plexd-hook/blob/main/docs/operations.md#${alert.toLowerCase()}`;
}

/** Every PromQL query of a dashboard, named by panel: its panels' targets and its variables' metric queries. */
export function dashboardQueries(dashboard: any): { where: string; expr: string }[] {
  const targets = (dashboard.panels as any[]).flatMap((panel) =>
    ((panel.targets ?? []) as any[]).map((t) => ({ where: `panel ${panel.title}`, expr: String(t.expr) })),
  );
  const variables = (dashboard.templating.list as any[])
    .filter((v) => v.type === "query")
    .map((v) => ({ where: `variable ${v.name}`, expr: variableMetricNames(String(v.query.query)).join(" + ") }));
  return [...targets, ...variables];
}
