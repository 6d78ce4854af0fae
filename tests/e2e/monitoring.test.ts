// The monitoring kit of deploy/monitoring: promtool checks and tests the rules, the rules and the dashboard read only
// metrics the operator defines, docs/operations.md lists every metric and alert, and the chart ships them behind values.

import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { Metrics } from "../../lib/observe/metrics.ts";
import { WebhookMetrics } from "../../lib/webhook/metrics.ts";
import { ensureHelm } from "../cluster/helm.ts";
import { ensurePromtool } from "../cluster/promtool.ts";
import {
  DOCS,
  dashboardQueries,
  MONITORING,
  RULE_TESTS,
  RULES,
  readDashboard,
  readRules,
  runbookUrl,
} from "../support/monitoring.ts";
import { exportedMetrics, metricNames, seriesNames } from "../support/promql.ts";
import { REPO } from "./support/operator.ts";

const CHART = join(REPO, "deploy", "helm", "plexd-hook");
const OPERATOR_KINDS = ["monitoring.coreos.com/v1/PodMonitor", "monitoring.coreos.com/v1/PrometheusRule"];
let promtool: string;

function run(command: string[], cwd = REPO): { code: number; out: string } {
  const proc = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH, HOME: tmpdir() } });
  return { code: proc.exitCode ?? 1, out: `${proc.stdout}${proc.stderr}` };
}

beforeAll(async () => {
  promtool = await ensurePromtool();
}, 900_000);

describe("metricNames()", () => {
  test.each([
    ["rate(a_total[5m])", ["a_total"]],
    ['sum by (pod, le) (rate(b_bucket{namespace=~"$namespace", x="y(z)"}[$__rate_interval]))', ["b_bucket"]],
    ["x unless x offset 15m or on() vector(0) > 1e3", ["x"]],
    ["histogram_quantile(0.99, sum(rate(c_bucket[1m])) by (le)) + Inf", ["c_bucket"]],
    ["max by (namespace) (a) < bool b", ["a", "b"]],
  ])("finds the metrics of %s", (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe("the rules and the dashboard", () => {
  const defined = [
    ...exportedMetrics(new Metrics().withProcessMetrics().registry),
    ...exportedMetrics(new WebhookMetrics().registry),
  ];

  test("read only metrics the operator's registries define, and each query reads one", () => {
    const names = seriesNames(defined);
    const queries = [...readRules().map((r) => ({ where: r.alert, expr: r.expr })), ...dashboardQueries(readDashboard())];
    expect(queries.length).toBeGreaterThan(20);
    for (const { where, expr } of queries) {
      const read = metricNames(expr);
      expect({ where, read: read.length > 0 }).toEqual({ where, read: true });
      expect({ where, unknown: read.filter((name) => !names.has(name)) }).toEqual({ where, unknown: [] });
    }
  });

  test("promtool check rules accepts the rule file", () => {
    const result = run([promtool, "check", "rules", RULES]);
    expect(result.out).toContain(`SUCCESS: ${readRules().length} rules found`);
    expect(result.code).toBe(0);
  });

  test("promtool test rules passes, with a case where each alert fires and one where it stays quiet", () => {
    const result = run([promtool, "test", "rules", RULE_TESTS], MONITORING);
    expect(result.out).toContain("SUCCESS");
    expect(result.code).toBe(0);
    const cases = (parse(readFileSync(RULE_TESTS, "utf8")).tests as any[]).flatMap((t) => t.alert_rule_test as any[]);
    const alerts = readRules().map((r) => r.alert);
    expect(alerts.filter((a) => !cases.some((c) => c.alertname === a && c.exp_alerts.length > 0))).toEqual([]);
    expect(alerts.filter((a) => !cases.some((c) => c.alertname === a && c.exp_alerts.length === 0))).toEqual([]);
  });

  test("every dashboard query is PromQL that promtool accepts", () => {
    const rules = dashboardQueries(readDashboard()).map(({ expr }, i) => ({
      record: `dashboard:query${i}`,
      expr: expr
        .replaceAll("$__rate_interval", "1m")
        .replaceAll("$__range", "1h")
        .replace(/\$(namespace|pod)\b/g, ".*"),
    }));
    const dir = mkdtempSync(join(tmpdir(), "plexd-dashboard-"));
    writeFileSync(join(dir, "queries.yaml"), stringify({ groups: [{ name: "dashboard", rules }] }));
    const result = run([promtool, "check", "rules", join(dir, "queries.yaml")]);
    rmSync(dir, { recursive: true, force: true });
    expect(result.out).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  test("the dashboard's panels have unique ids, fill the 24-column grid without overlapping and use the data source variable", () => {
    const panels = readDashboard().panels as any[];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const taken = new Set<string>();
    for (const { title, gridPos, datasource, type } of panels) {
      const { x, y, w, h } = gridPos;
      expect({ title, fits: x >= 0 && w > 0 && x + w <= 24 }).toEqual({ title, fits: true });
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect({ title, cell: taken.has(`${i},${j}`) }).toEqual({ title, cell: false });
          taken.add(`${i},${j}`);
        }
      // Grafana's variable syntax, not a template literal.
      if (type !== "row") expect(datasource).toEqual({ type: "prometheus", uid: ["$", "{datasource}"].join("") });
    }
  });

  test("each alert has a severity, a summary, a description and a runbook_url to its section of docs/operations.md", () => {
    const docs = readFileSync(DOCS, "utf8");
    for (const { alert, labels, annotations } of readRules()) {
      expect({ alert, severity: ["warning", "critical"].includes(labels.severity ?? "") }).toEqual({ alert, severity: true });
      expect(Object.keys(annotations).sort()).toEqual(["description", "runbook_url", "summary"]);
      expect(annotations.runbook_url).toBe(runbookUrl(alert));
      expect(docs).toContain(`\n### ${alert}\n\n\`${labels.severity}\`.`);
    }
  });

  test("docs/operations.md lists every metric of the controller and the webhook with its type and labels", () => {
    const rows = readFileSync(DOCS, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("| `plexd_hook_"))
      .map((line) => line.split("|").map((cell) => cell.trim()));
    const documented = rows.map(([, name, type, labels]) => ({
      name: name!.replaceAll("`", ""),
      type,
      labels: labels!.replaceAll("`", ""),
    }));
    const own = [...exportedMetrics(new Metrics().registry), ...exportedMetrics(new WebhookMetrics().registry)];
    expect(documented).toEqual(own.map(({ name, type, labels }) => ({ name, type, labels: labels.join(", ") })));
  });
});

describe("the chart's monitoring values", () => {
  let helmBin: string;
  const helm = (args: string[]) => run([helmBin, ...args]);
  const render = (...args: string[]) => {
    const result = helm(["template", "plexd-hook", CHART, ...args]);
    if (result.code !== 0) throw new Error(`helm template failed: ${result.out}`);
    return parseAllDocuments(result.out)
      .map((d) => d.toJS())
      .filter((o) => o?.kind);
  };
  const ALL_ON = "monitoring.podMonitor.enabled=true,monitoring.prometheusRule.enabled=true,monitoring.dashboard.enabled=true";
  const kinds = (objects: any[]) =>
    objects.map((o) => o.kind).filter((k) => ["PodMonitor", "PrometheusRule", "ConfigMap"].includes(k));

  beforeAll(async () => {
    helmBin = await ensureHelm();
  }, 900_000);

  test("render the rule file as a PrometheusRule, the dashboard as a sidecar ConfigMap, and a PodMonitor on the pods' http port", () => {
    const labels = "monitoring.prometheusRule.labels.release=kps,monitoring.dashboard.annotations.grafana_folder=plexd";
    const objects = render("--set", `${ALL_ON},${labels}`, ...OPERATOR_KINDS.flatMap((k) => ["--api-versions", k]));
    const rule = objects.find((o) => o.kind === "PrometheusRule");
    expect(rule.metadata).toMatchObject({ name: "plexd-hook", namespace: "plexd-system", labels: { release: "kps" } });
    expect(rule.spec).toEqual(parse(readFileSync(RULES, "utf8")));
    const dashboard = objects.find((o) => o.kind === "ConfigMap");
    expect(dashboard.metadata).toMatchObject({ labels: { grafana_dashboard: "1" }, annotations: { grafana_folder: "plexd" } });
    expect(JSON.parse(dashboard.data["plexd-hook.json"])).toEqual(readDashboard());
    const monitor = objects.find((o) => o.kind === "PodMonitor");
    const pods = objects.find((o) => o.kind === "DaemonSet").spec.template;
    expect(pods.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    const [endpoint] = monitor.spec.podMetricsEndpoints;
    expect(pods.spec.containers[0].ports).toContainEqual(expect.objectContaining({ name: endpoint.port }));
    expect(endpoint.path).toBe("/metrics");
  });

  test("render none of them by default, and no PodMonitor or PrometheusRule where the cluster does not serve their kinds", () => {
    expect(kinds(render())).toEqual([]);
    expect(kinds(render("--set", ALL_ON))).toEqual(["ConfigMap"]);
    const notes = helm(["install", "plexd-hook", CHART, "--dry-run=client", "--set", ALL_ON]).out;
    for (const kind of ["PodMonitor", "PrometheusRule"])
      expect(notes).toContain(`monitoring: this cluster serves no monitoring.coreos.com/v1 ${kind}, so none was installed.`);
  });

  test("pass helm lint --strict with everything on", () => {
    const result = helm(["lint", "--strict", CHART, "--set", ALL_ON]);
    expect(result.out).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.out).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});
