// PlexdRollout under control and faults: the window on a shifted clock, pause within a second, a SIGKILLed fleet
// controller, nodes going NotReady or cordoned mid-rollout, the author's rights, and the rollout CLI.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rolloutCommand } from "../../lib/cli/rollout/command.ts";
import { waitFor } from "../cluster/wait.ts";
import { type Setup, sharedCluster } from "./support/cluster.ts";
import type { Operator } from "./support/operator.ts";
import { startOperator } from "./support/operator.ts";
import {
  firstSeen,
  labelNodes,
  most,
  NODES,
  rolloutJson,
  sampler,
  startFleet,
  waitRollout,
  ZONE_LABEL,
  zoneOf,
} from "./support/rollouts.ts";

const NS = "e2e-rollout-ctl";
let env: Setup;
let executor: Operator;
let fleet: Operator;

beforeAll(async () => {
  env = await sharedCluster({ nodes: NODES });
  await env.namespace(NS);
  await labelNodes(env);
  executor = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--all-nodes"]);
  [fleet] = await Promise.all([startFleet(env, NS), executor.waitReady()]);
}, 600_000);

afterAll(async () => {
  await Promise.all([executor?.stop(), fleet?.stop()]);
});

const template = (image = "plexd.test/run-1s") => ({ hookName: "upgrade", jobTemplate: { image } });
const zone = (z: string) => ({ matchLabels: { [ZONE_LABEL]: z } });
const apply = (name: string, spec: object) => env.k(["apply", "-f", "-"], rolloutJson(name, NS, spec));
const hooksOf = async (name: string): Promise<any[]> =>
  (await env.json(["get", "plexdhooks", "-n", NS, "-l", `plexd.plexsphere.com/rollout=${name}`])).items;

/** Runs `rollout ...` of the CLI in this process as the cluster's admin. */
async function cli(argv: string[]) {
  const seen = { out: "", err: "" };
  const terminal = {
    out: { write: (s: string) => (seen.out += s) },
    err: { write: (s: string) => (seen.err += s) },
    tty: false,
    confirm: async () => false,
  };
  const env_ = { HOME: "/nonexistent", KUBECONFIG: env.cluster.kubeconfig };
  const code = await rolloutCommand([...argv, "-n", NS], env_, terminal, new AbortController().signal, "kubectl plexd");
  return { code, ...seen };
}

/** Restarts the fleet controller with its rollouts' clock at `clock`. */
async function fleetAt(clock: string): Promise<void> {
  await fleet.stop();
  fleet = await startFleet(env, NS, Math.round((Date.parse(clock) - Date.now()) / 1000));
}

describe("a PlexdRollout's window, on the fleet controller's shifted clock", () => {
  test("outside: Waiting with the next start; within the cutoff: Waiting for the next; inside: it runs", async () => {
    // 03:00 to 04:00 in Berlin (UTC+1 in January), no node starts after 03:45.
    const window = { schedule: "0 3 * * *", duration: "1h", timeZone: "Europe/Berlin", cutoff: "15m" };
    const three = {
      matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["r-z1-01", "r-z1-02", "r-z1-03"] }],
    };
    try {
      await fleetAt("2030-01-01T01:30:00Z");
      await apply("windowed", { nodeSelector: three, template: template("busybox"), window });
      let rollout = await waitRollout(env, NS, "windowed", ["Waiting"]);
      expect(rollout.status.nextWindowStart).toBe("2030-01-01T02:00:00.000Z");
      expect(rollout.status.conditions[0]).toMatchObject({ type: "Progressing", status: "False", reason: "OutsideWindow" });
      await fleetAt("2030-01-01T02:50:00Z");
      rollout = await waitFor(
        "the next day's window",
        async () => {
          const waiting = await waitRollout(env, NS, "windowed", ["Waiting"]);
          return waiting.status.nextWindowStart === "2030-01-02T02:00:00.000Z" && waiting;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(await hooksOf("windowed")).toEqual([]);
      await fleetAt("2030-01-01T02:10:00Z");
      rollout = await waitRollout(env, NS, "windowed", ["Succeeded"]);
      expect(rollout.status).toMatchObject({ succeeded: 3 });
      expect(rollout.status.nextWindowStart).toBeUndefined();
    } finally {
      await fleetAt(new Date().toISOString());
    }
  }, 240_000);
});

describe("steering a PlexdRollout", () => {
  test("pause (the CLI) stops new nodes within a second, running hooks finish; resume runs the rest; status exits 0", async () => {
    await apply("pausing", { nodeSelector: zone("z1"), template: template("plexd.test/run-3s"), strategy: { maxParallel: 2 } });
    const sampling = sampler(env, NS, "pausing", NODES);
    await waitRollout(env, NS, "pausing", ["Progressing"]);
    const pausedAt = Date.now();
    expect((await cli(["pause", "pausing"])).code).toBe(0);
    // A window, not a wait: for 7 s no node may start while the running 3 s hooks finish.
    await Bun.sleep(7_000);
    const rollout = await waitRollout(env, NS, "pausing", ["Paused"]);
    expect(rollout.status.running).toBe(0);
    const late = [...firstSeen(sampling.samples)].filter(([, at]) => at > pausedAt + 1_000);
    expect(late).toEqual([]);
    expect((await cli(["resume", "pausing"])).code).toBe(0);
    const status = await cli(["status", "pausing"]);
    await sampling.stop();
    expect(status.code).toBe(0);
    expect(status.out).toContain("Succeeded: 0 running, 11 succeeded, 0 failed, 0 pending, 0 skipped of 11");
  }, 120_000);

  test("abort (the CLI): no node starts any more, it ends Failed with reason Aborted; status exits 3 while it runs, 1 after, 4 when missing", async () => {
    await apply("aborting", { nodeSelector: zone("z2"), template: template("plexd.test/run-2s") });
    await waitRollout(env, NS, "aborting", ["Progressing"]);
    expect((await cli(["status", "aborting", "--no-watch"])).code).toBe(3);
    expect((await cli(["abort", "aborting"])).code).toBe(0);
    const status = await cli(["status", "aborting"]);
    expect(status.code).toBe(1);
    expect(status.out).toContain("Aborted: aborted (spec.abort)");
    expect((await hooksOf("aborting")).length).toBeLessThanOrEqual(2);
    expect((await cli(["status", "nope"])).code).toBe(4);
  }, 120_000);
});

describe("a PlexdRollout under faults", () => {
  test("a SIGKILLed fleet controller: the next goes on from the hooks and the status, one hook per node, never over maxParallel", async () => {
    await apply("killed", { nodeSelector: zone("z3"), template: template("plexd.test/run-2s"), strategy: { maxParallel: 3 } });
    const sampling = sampler(env, NS, "killed", NODES);
    await waitRollout(env, NS, "killed", ["Progressing"]);
    await waitFor("4 hooks", async () => (await hooksOf("killed")).length >= 4, { timeoutMs: 60_000, intervalMs: 100 });
    await fleet.stop("SIGKILL");
    // The killed holder never gave up its Lease: the next one takes it when it expires.
    fleet = await startFleet(env, NS);
    const rollout = await waitRollout(env, NS, "killed", ["Succeeded"]);
    const samples = await sampling.stop();
    expect(rollout.status).toMatchObject({ selected: 11, succeeded: 11 });
    expect((await hooksOf("killed")).map((h) => h.spec.nodeName).toSorted()).toEqual(NODES.filter((n) => zoneOf(n) === "z3"));
    expect(most(samples, (s) => s.running.length)).toBeLessThanOrEqual(3);
  }, 180_000);

  test("nodes made NotReady and cordoned mid-rollout count against maxUnavailable: no node starts while the count is over it", async () => {
    const z1 = NODES.filter((n) => zoneOf(n) === "z1");
    await apply("unavailable", {
      nodeSelector: zone("z1"),
      template: template("plexd.test/run-2s"),
      strategy: { maxParallel: 3, maxUnavailable: 3 },
    });
    const sampling = sampler(env, NS, "unavailable", z1);
    await waitFor("2 hooks", async () => (await hooksOf("unavailable")).length >= 2, { timeoutMs: 60_000, intervalMs: 50 });
    const disrupted = sampling.samples.length;
    await env.k(["label", "node", "r-z1-10", "plexd.test/not-ready=true"]);
    await env.k(["cordon", "r-z1-11"]);
    // The fault held for a span: for 6 s, with two nodes unavailable, no further node may start.
    await Bun.sleep(6_000);
    const healed = sampling.samples.length;
    await env.k(["label", "node", "r-z1-10", "plexd.test/not-ready-"]);
    await env.k(["uncordon", "r-z1-11"]);
    const rollout = await waitRollout(env, NS, "unavailable", ["Succeeded"]);
    const samples = await sampling.stop();
    expect(rollout.status).toMatchObject({ selected: 11, succeeded: 11 });
    for (const sample of samples.slice(0, disrupted)) expect(sample.unavailable.length).toBeLessThanOrEqual(3);
    // Over the limit only through the nodes the test took down: every hook then running was running before.
    const before = new Set(samples[disrupted]?.running ?? []);
    const over = samples.slice(disrupted, healed).filter((s) => s.unavailable.length > 3);
    expect(over.length).toBeGreaterThan(0);
    for (const sample of over) for (const node of sample.running) expect(before.has(node)).toBe(true);
  }, 120_000);
});

describe("who may create a PlexdRollout", () => {
  test("only someone with the rights of its hooks (privileged and allowControlPlane templates need their opt-ins); pausing needs no hook rights", async () => {
    const bind = (name: string, role: string, user: string) =>
      env.k(["create", "rolebinding", name, `--clusterrole=${role}`, `--user=${user}`, "-n", NS]);
    await bind("rita-rollouts", "plexd-hook-rollout-author", "rita");
    await bind("hank-rollouts", "plexd-hook-rollout-author", "hank");
    await bind("hank-hooks", "plexd-hook-author", "hank");
    await bind("pam-rollouts", "plexd-hook-rollout-author", "pam");
    await bind("pam-hooks", "plexd-hook-author", "pam");
    await bind("pam-privileged", "plexd-hook-privileged-author", "pam");
    const as = (user: string, name: string, optIns: { privileged?: boolean; allowControlPlane?: boolean } = {}) =>
      env.tryK(
        ["create", "--as", user, "-f", "-"],
        rolloutJson(name, NS, { nodeSelector: zone("z2"), paused: true, template: { hookName: "x", ...optIns } }),
      );
    const rita = await as("rita", "by-rita");
    expect(rita.code).not.toBe(0);
    expect(rita.stderr).toContain(
      "a PlexdRollout creates PlexdHooks: rita may not create plexdhooks in namespace e2e-rollout-ctl",
    );
    expect((await as("hank", "by-hank")).code).toBe(0);
    const privileged = await as("hank", "by-hank-privileged", { privileged: true });
    expect(privileged.code).not.toBe(0);
    expect(privileged.stderr).toContain("privileged hooks are opt-in: hank may not use plexdhooks/privileged");
    expect((await as("pam", "by-pam-privileged", { privileged: true })).code).toBe(0);
    const controlPlane = await as("hank", "by-hank-control-plane", { allowControlPlane: true });
    expect(controlPlane.code).not.toBe(0);
    expect(controlPlane.stderr).toContain(
      "hooks on control-plane nodes are opt-in: hank may not use plexdhooks/control-plane in namespace e2e-rollout-ctl, so may not create a rollout with allowControlPlane",
    );
    expect((await as("pam", "by-pam-control-plane", { allowControlPlane: true })).code).toBe(0);
    const resume = await env.tryK([
      "patch",
      "pr",
      "by-hank",
      "-n",
      NS,
      "--as",
      "rita",
      "--type",
      "merge",
      "-p",
      '{"spec":{"paused":false}}',
    ]);
    expect(resume.code).toBe(0);
    await env.k(["delete", "pr", "by-hank", "by-pam-privileged", "by-pam-control-plane", "-n", NS]);
  }, 60_000);
});

describe("the PlexdRollout CRD on the API server", () => {
  test("refuses a malformed count, duration or selector with the field named; template and selector are immutable once started", async () => {
    const refused = async (spec: object) =>
      (await env.tryK(["create", "-f", "-"], rolloutJson("bad", NS, { nodeSelector: {}, template: { hookName: "x" }, ...spec })))
        .stderr;
    expect(await refused({ strategy: { maxParallel: "5 %" } })).toContain(
      'spec.strategy.maxParallel: Invalid value: "5 %": maxParallel is a whole number of at least 1 or a percentage from 1% to 100%',
    );
    expect(await refused({ strategy: { failureBudget: "101%" } })).toContain("spec.strategy.failureBudget");
    expect(await refused({ strategy: { batches: [0] } })).toContain("spec.strategy.batches[0]");
    expect(await refused({ window: { schedule: "0 3 * * *", duration: "1d" } })).toContain(
      "window.duration is a positive duration",
    );
    expect(await refused({ window: { schedule: "0 3 * * *", duration: "1h", cutoff: "2h" } })).toContain(
      "window.cutoff must be shorter than window.duration",
    );
    expect(await refused({ nodeSelector: { matchExpressions: [{ key: "a", operator: "In" }] } })).toContain(
      "In and NotIn need values",
    );

    await env.k(
      ["create", "-f", "-"],
      rolloutJson("frozen", NS, { nodeSelector: zone("z1"), paused: true, template: { hookName: "x" } }),
    );
    const edit = (patch: object) =>
      env.tryK(["patch", "pr", "frozen", "-n", NS, "--type", "merge", "-p", JSON.stringify({ spec: patch })]);
    expect((await edit({ template: { hookName: "y" } })).code).toBe(0);
    await env.k([
      "patch",
      "pr",
      "frozen",
      "-n",
      NS,
      "--subresource=status",
      "--type",
      "merge",
      "-p",
      '{"status":{"startedAt":"2030-01-01T00:00:00Z"}}',
    ]);
    expect((await edit({ template: { hookName: "z" } })).stderr).toContain(
      "spec.template and spec.nodeSelector are immutable once the rollout has started",
    );
    expect((await edit({ nodeSelector: zone("z2") })).code).not.toBe(0);
    expect((await edit({ strategy: { maxParallel: 3 } })).code).toBe(0);
    expect((await edit({ abort: true })).code).toBe(0);
    expect((await edit({ abort: false })).stderr).toContain("an aborted rollout stays aborted");
    await env.k(["delete", "pr", "frozen", "-n", NS]);
  }, 60_000);
});
