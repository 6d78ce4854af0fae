// The alerting rules over series recorded from the /metrics of real processes laid out as installed (node agents for
// node-a and node-b, two fleet controller replicas), one scrape a second replayed by promtool at that pace: hooks that
// fail, hooks stuck Pending (one on a node without an agent, so unclaimed), the API server restarted, the fleet's Lease
// holder killed.
// Also the chart's PodMonitor and PrometheusRule against the Prometheus Operator's own CRDs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ensureHelm } from "../cluster/helm.ts";
import { prometheusOperatorCrds } from "../cluster/prometheus-operator.ts";
import { ensurePromtool } from "../cluster/promtool.ts";
import { RULES, readRules } from "../support/monitoring.ts";
import { metricNames } from "../support/promql.ts";
import { type AlertCase, labelText, repeatSpan, replayRules, type Scrape, seriesLabels, valueIn } from "../support/recording.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, REPO, startOperator } from "./support/operator.ts";
import { Recorder } from "./support/recorder.ts";

const NS = "e2e-monitoring";
const AGENTS = ["node-a", "node-b"];
const FLEET = ["plexd-hook-fleet-1", "plexd-hook-fleet-2"];
const target = (pod: string) => ({ namespace: NS, pod, job: "plexd-hook" });
let env: Setup;
let operators: Operator[] = [];
let fleet: Operator[] = [];
let recorder: Recorder;
let promtool: string;
/** Scrape indexes (= seconds) of what happened. */
const at = {
  invalid: 0,
  failed: 0,
  pending: 0,
  unclaimed: 0,
  apiDown: 0,
  restarted: 0,
  kill: 0,
  takeover: 0,
  recounted: 0,
  end: 0,
};
let leader = "";
let follower = "";

const promtoolTest = (scrapes: readonly Scrape[], holdSeconds: number, cases: AlertCase[]) =>
  replayRules(promtool, RULES, scrapes, holdSeconds, cases);

const passes = (result: { code: number; out: string }) =>
  expect({ ...result, out: result.out.slice(0, 4000) }).toMatchObject({ code: 0 });

beforeAll(async () => {
  promtool = await ensurePromtool();
  env = await sharedCluster();
  await env.namespace(NS);
  const base = ["--kubeconfig", env.operatorKubeconfig, "--namespace", NS];
  const agents = AGENTS.map((node) => startOperator([...base, "--node-name", node]));
  // No agent pods here (the agents run on this machine): the fleet takes every node as served.
  fleet = FLEET.map(() => startOperator(["fleet", ...base, "--agent-selector=", "--unclaimed-after", "2"]));
  operators = [...agents, ...fleet];
  await Promise.all(operators.map((op) => op.waitReady()));
  const pods = [...AGENTS.map((node) => `plexd-hook-${node}`), ...FLEET];
  const names = new Set(readRules().flatMap((r) => metricNames(r.expr)));
  recorder = new Recorder(
    await Promise.all(operators.map(async (op, i) => ({ url: `${await op.healthUrl()}metrics`, labels: target(pods[i]!) }))),
    (name) => names.has(name),
  );
  const first = await recorder.until("a Lease holder", (s) => valueIn(s, "plexd_hook_leader") === 1);
  leader = FLEET.find((pod) => valueIn(recorder.scrapes[first]!, "plexd_hook_leader", { pod }) === 1)!;
  follower = FLEET.find((pod) => pod !== leader)!;

  const hooks = {
    invalid: {
      hookName: "x",
      nodeName: "node-a",
      parameters: [
        { name: "a-b", value: "1" },
        { name: "a_b", value: "2" },
      ],
    },
    "exits-2": { hookName: "x", nodeName: "node-b", jobTemplate: { image: "plexd.test/fail-exit-2" } },
    unpullable: { hookName: "x", nodeName: "node-b", jobTemplate: { image: "plexd.test/unpullable" } },
    ok: { hookName: "x", nodeName: "node-a" },
    unclaimed: { hookName: "x", nodeName: "node-c" },
  };
  for (const [name, spec] of Object.entries(hooks)) await env.k(["apply", "-f", "-"], hookYaml(name, NS, spec));
  const own = { pod: leader };
  at.invalid = await recorder.until("InvalidSpec", (s) => valueIn(s, "plexd_hook_failures_total", { reason: "InvalidSpec" }) > 0);
  at.failed = await recorder.until("2 Failed hooks", (s) => valueIn(s, "plexd_hook_hooks", { ...own, phase: "Failed" }) === 2);
  // The unpullable one, and the one on node-c once the fleet reported it.
  at.pending = await recorder.until("2 Pending hooks", (s) => valueIn(s, "plexd_hook_hooks", { ...own, phase: "Pending" }) === 2);
  at.unclaimed = await recorder.until("the unclaimed hook counted", (s) => valueIn(s, "plexd_hook_unclaimed_hooks", own) === 1);

  at.apiDown = recorder.scrapes.length;
  await env.cluster.stopApiServer();
  // Long enough for several reconnects with backoff (0.2 s, 0.4 s, ...): a burst of restarts per watch.
  await Bun.sleep(6_000);
  await env.cluster.startApiServer();
  at.restarted = await recorder.until("watch restarts", (s) => valueIn(s, "plexd_hook_watch_restarts_total") > 0, at.apiDown);

  at.kill = recorder.scrapes.length;
  await fleet[FLEET.indexOf(leader)]!.stop("SIGKILL");
  const takenOver = (s: Scrape) => valueIn(s, "plexd_hook_leader", { pod: follower }) === 1;
  at.takeover = await recorder.until("the follower to take the Lease", takenOver, at.kill, 150_000);
  const recounted = (s: Scrape) => valueIn(s, "plexd_hook_unclaimed_hooks", { pod: follower }) === 1;
  at.recounted = await recorder.until("the new holder to count the unclaimed hook", recounted, at.takeover);
  await recorder.until("3 more scrapes", () => true, at.recounted + 3);
  recorder.stop();
  at.end = recorder.scrapes.length - 1;
  if (process.env.PLEXD_E2E_VERBOSE) {
    const restarts = [...recorder.scrapes[at.end]!].filter(([series]) => series.startsWith("plexd_hook_watch_restarts_total"));
    console.error({ at, leader, follower, restarts });
  }
}, 600_000);

afterAll(async () => {
  recorder?.stop();
  await Promise.all(operators.map((op) => op.stop()));
});

describe("series recorded from real operators", () => {
  test("carry what the rules select: hooks by phase (the fleet counts all, an agent its node's), leader 1 and 0, failures by reason, watch restarts by resource", () => {
    const { scrapes } = recorder;
    const agentB = "plexd-hook-node-b";
    expect(valueIn(scrapes[at.failed]!, "plexd_hook_hooks", { pod: leader, phase: "Failed" })).toBe(2);
    expect(valueIn(scrapes[at.pending]!, "plexd_hook_hooks", { pod: agentB, phase: "Pending" })).toBe(1);
    expect(valueIn(scrapes[at.failed]!, "plexd_hook_hooks", { pod: agentB, phase: "Failed" })).toBe(1);
    // Followers and agents say 0, not nothing: the rule's max sees them.
    for (const pod of [follower, agentB]) {
      expect([...scrapes[at.failed]!.keys()]).toContain(`plexd_hook_leader{${labelText(target(pod))}}`);
      expect(valueIn(scrapes[at.failed]!, "plexd_hook_leader", { pod })).toBe(0);
    }
    expect(valueIn(scrapes[at.invalid]!, "plexd_hook_failures_total", { pod: "plexd-hook-node-a", reason: "InvalidSpec" })).toBe(
      1,
    );
    expect(valueIn(scrapes[at.apiDown - 1]!, "plexd_hook_watch_restarts_total")).toBe(0);
    expect(valueIn(scrapes[at.end]!, "plexd_hook_watch_restarts_total", { pod: follower })).toBeGreaterThan(0);
    const resources = [...scrapes[at.end]!.keys()].filter((s) => s.startsWith("plexd_hook_watch_restarts_total{"));
    expect(resources.every((s) => /resource="\w+"/.test(s))).toBe(true);
  });

  test("PlexdHookFailedWithoutJob fires for the real InvalidSpec failure, not before it", () => {
    const firing = [{ severity: "warning", namespace: NS, reason: "InvalidSpec" }];
    passes(
      promtoolTest(recorder.scrapes, 0, [
        { alertname: "PlexdHookFailedWithoutJob", at: at.invalid - 1, firing: [] },
        { alertname: "PlexdHookFailedWithoutJob", at: at.invalid + 1, firing },
      ]),
    );
  });

  test("PlexdHookFailed fires once the hooks really ended Failed", () => {
    const firing = [{ severity: "warning", namespace: NS }];
    passes(promtoolTest(recorder.scrapes, 0, [{ alertname: "PlexdHookFailed", at: at.failed + 1, firing }]));
  });

  test("PlexdHookStuckPending fires for the unpullable and the unclaimed hook after 15 minutes, once for the namespace", () => {
    const firing = [{ severity: "warning", namespace: NS }];
    passes(
      promtoolTest(recorder.scrapes, 20 * 60, [
        { alertname: "PlexdHookStuckPending", at: at.end + 5 * 60, firing: [] },
        { alertname: "PlexdHookStuckPending", at: at.end + 16 * 60, firing },
      ]),
    );
  });

  test("PlexdHookUnclaimed fires for the hook on node-c (no agent) once the Lease holder has counted it for 10 minutes; the new holder's count starts the 10 minutes again", () => {
    const firing = [{ severity: "warning", namespace: NS }];
    const counted = (s: Scrape) => valueIn(s, "plexd_hook_unclaimed_hooks") > 0;
    // Had the first holder lived on: from its last look that did not count the hook.
    const cut = recorder.scrapes.slice(0, at.kill);
    const since = cut.findLastIndex((s) => !counted(s)) + 1;
    expect(since).toBeGreaterThanOrEqual(at.unclaimed);
    passes(
      promtoolTest(cut, 15 * 60, [
        { alertname: "PlexdHookUnclaimed", at: since + 10 * 60 - 5, firing: [] },
        { alertname: "PlexdHookUnclaimed", at: since + 10 * 60 + 5, firing },
      ]),
    );
    // The whole recording: no one counted it between the kill and the new holder's first look.
    const again = recorder.scrapes.findLastIndex((s) => !counted(s)) + 1;
    expect(again).toBeGreaterThan(at.kill);
    passes(
      promtoolTest(recorder.scrapes, 15 * 60, [
        { alertname: "PlexdHookUnclaimed", at: again + 10 * 60 - 5, firing: [] },
        { alertname: "PlexdHookUnclaimed", at: again + 10 * 60 + 5, firing },
      ]),
    );
  });

  test("PlexdHookNoLeader stays quiet through the real handover, and fires had no one taken over", () => {
    const quiet = [at.kill, at.takeover, at.end + 5 * 60].map((t) => ({ alertname: "PlexdHookNoLeader", at: t, firing: [] }));
    passes(promtoolTest(recorder.scrapes, 10 * 60, quiet));
    const cut = recorder.scrapes.slice(0, at.takeover);
    const firing = [{ severity: "critical", namespace: NS }];
    passes(promtoolTest(cut, 10 * 60, [{ alertname: "PlexdHookNoLeader", at: at.takeover + 6 * 60, firing }]));
  });

  test("PlexdHookWatchRestarts stays quiet after the one burst of restarts the API server restart caused", () => {
    // More than 3 restarts of one watch: the rule's condition held, and only its 15 minutes keep it quiet.
    const last = [...recorder.scrapes[at.end]!].filter(([series]) => series.startsWith("plexd_hook_watch_restarts_total{"));
    expect(Math.max(...last.map(([, value]) => value))).toBeGreaterThan(3);
    const times = Array.from({ length: 35 }, (_, minute) => at.apiDown + minute * 60);
    passes(
      promtoolTest(
        recorder.scrapes,
        30 * 60,
        times.map((t) => ({ alertname: "PlexdHookWatchRestarts", at: t, firing: [] })),
      ),
    );
  });

  test("PlexdHookWatchRestarts fires for every watch the burst restarted, had the API server restarted like that every 2 minutes", () => {
    const restarts = recorder.scrapes.map(
      (s) => new Map([...s].filter(([series]) => series.startsWith("plexd_hook_watch_restarts_total{"))),
    );
    // The burst, from the API server's stop to the Lease holder's kill: 15 of them, 2 minutes apart, take 30 minutes.
    const replayed = repeatSpan(restarts, at.apiDown, at.kill, 120, 15);
    // Each watch's count when the burst was over, from the last scrape of its pod before the kill.
    const restarted = [...new Map(restarts.slice(0, at.kill).flatMap((s) => [...s]))].filter(([, value]) => value > 0);
    expect(restarted.length).toBeGreaterThan(0);
    // Five bursts in every 10 minutes: more than 3 restarts even for a watch that restarted once a burst.
    const firing = restarted.map(([series]) => ({ severity: "warning", ...seriesLabels(series) }));
    passes(
      promtoolTest(replayed, 0, [
        { alertname: "PlexdHookWatchRestarts", at: at.apiDown + 14 * 60, firing: [] },
        { alertname: "PlexdHookWatchRestarts", at: at.apiDown + 26 * 60, firing },
      ]),
    );
  });
});

describe("the chart's PodMonitor and PrometheusRule", () => {
  test("pass the schemas of the Prometheus Operator's CRDs (server-side dry run, strict)", async () => {
    for (const file of await prometheusOperatorCrds(["podmonitors", "prometheusrules"])) {
      await env.k(["apply", "--server-side", "-f", file]);
    }
    await env.k([
      "wait",
      "--for=condition=Established",
      "crd/podmonitors.monitoring.coreos.com",
      "crd/prometheusrules.monitoring.coreos.com",
    ]);
    const helm = await ensureHelm();
    const kinds = ["PodMonitor", "PrometheusRule"].flatMap((kind) => ["--api-versions", `monitoring.coreos.com/v1/${kind}`]);
    const values = `monitoring.podMonitor.enabled=true,monitoring.prometheusRule.enabled=true,namespace.name=${NS}`;
    const args = ["template", "plexd-hook", join(REPO, "deploy", "helm", "plexd-hook"), "--set", values, ...kinds];
    const rendered = Bun.spawnSync([helm, ...args, "--show-only", "templates/monitoring.yaml"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(rendered.exitCode).toBe(0);
    const applied = await env.tryK(["apply", "--dry-run=server", "--validate=strict", "-f", "-"], rendered.stdout.toString());
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toContain("podmonitor.monitoring.coreos.com/plexd-hook created (server dry run)");
    expect(applied.stdout).toContain("prometheusrule.monitoring.coreos.com/plexd-hook created (server dry run)");
  }, 120_000);
});
