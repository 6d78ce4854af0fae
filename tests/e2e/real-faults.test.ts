// Faults on real-0, with figures: the OOM killer, an image that cannot be pulled, the operator's container SIGKILLed by
// containerd mid-burst, containerd restarted under a running hook, the kubelet stopped past the node monitor's grace
// period and started again, and stopped for good (the fleet controller's lost-node report). One real node for all, in
// that order: the last one leaves the node without a kubelet. Each test prints its figure; afterAll prints the table
// docs/reliability.md keeps.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlexdHookSpec } from "../../lib/core/types.ts";
import pkg from "../../package.json" with { type: "json" };
import { readAuditLog } from "../cluster/audit.ts";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { ctr } from "../cluster/real-node/images.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, writeTokenKubeconfig } from "./support/cluster.ts";
import { BINARY, type Operator, startOperator } from "./support/operator.ts";
import {
  buildImage,
  DS_SELECTOR,
  finished,
  jobCreates,
  kubectlOf,
  REAL_NODE,
  readyPods,
  shell,
} from "./support/real-operator.ts";

const NS = "plexd-system";
const IMAGE = `plexd.test/plexd-hook:${pkg.version}-faults`;
// NotReady 20 s after the kubelet's last heartbeat (the controller manager's default is 50 s), and a hook on a node
// NotReady for 25 s is reported lost (the fleet controller's default is 600 s): the same behaviour, in less time.
const GRACE_SECONDS = 20;
const LOST_AFTER_SECONDS = 25;
let cluster: Cluster;
let kube: ReturnType<typeof kubectlOf>;
let work: string;
let fleet: Operator;
const figures: string[][] = [];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
function figure(fault: string, status: string, time: string, lostOrTwice: string): void {
  figures.push([fault, status, time, lostOrTwice]);
  console.log(`fault figure | ${fault} | ${status} | ${time} | ${lostOrTwice}`);
}

async function applyHook(name: string, spec: Partial<PlexdHookSpec>): Promise<void> {
  await kube.k(["apply", "-f", "-"], hookYaml(name, NS, { hookName: name, nodeName: REAL_NODE, ...spec }));
}
const status = async (name: string) => (await kube.json(["get", "plexdhook", name, "-n", NS])).status ?? {};
const podsOf = async (name: string) =>
  (await kube.json<{ items: any[] }>(["get", "pods", "-n", NS, "-l", `job-name=plexdhook-${name}`])).items;
const logsOf = (name: string) => kube.k(["logs", "-n", NS, `job/plexdhook-${name}`]);

/** Waits until the hook says `phase`; returns when the test saw it (ms since the epoch). */
async function reaches(name: string, phase: string, timeoutMs = 120_000): Promise<number> {
  await waitFor(`hook ${name} to be ${phase}`, async () => (await status(name)).phase === phase, { timeoutMs, intervalMs: 200 });
  return Date.now();
}

/** real-0's Ready condition: "True", "False" or "Unknown". */
async function nodeReady(): Promise<string> {
  const node = await kube.json(["get", "node", REAL_NODE]);
  return node.status.conditions.find((c: any) => c.type === "Ready").status;
}
const nodeBecomes = (ready: boolean, timeoutMs = 120_000) =>
  waitFor(`${REAL_NODE} to be ${ready ? "Ready" : "NotReady"}`, async () => ((await nodeReady()) === "True") === ready, {
    timeoutMs,
    intervalMs: 250,
  });

/** Exactly one Job created for each of `names` (audit log), and `pods` pods each (the Job controller deletes a pod it stops at a deadline). */
async function onceEach(names: string[], pods = 1): Promise<void> {
  const creates = jobCreates(cluster, NS);
  const counted = names.map((n) => [n, creates.get(`plexdhook-${n}`)]);
  if (counted.some(([, n]) => n !== 1)) {
    // What the audit log holds for them, to tell a second create from a create recorded otherwise.
    const jobs = new Set(names.map((n) => `plexdhook-${n}`));
    const seen = readAuditLog(cluster.auditLogPath as string).filter(
      (e) => e.objectRef?.resource === "jobs" && jobs.has(e.objectRef.name ?? "") && e.verb !== "get" && e.verb !== "watch",
    );
    console.error(
      seen.map((e) => `${e.stage} ${e.verb} ${e.objectRef?.name} ${e.responseStatus?.code} ${e.user.username}`).join("\n"),
    );
  }
  expect(counted).toEqual(names.map((n) => [n, 1]));
  for (const name of names) expect({ name, pods: (await podsOf(name)).length }).toEqual({ name, pods });
}

/** When the hook's container ended, by the pod status the kubelet wrote. */
async function containerEnded(name: string): Promise<number> {
  const [pod] = await podsOf(name);
  return Date.parse(pod.status.containerStatuses[0].state.terminated.finishedAt);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "plexd-real-faults-"));
  const [started, archive] = await Promise.all([
    startCluster({
      name: "real-faults",
      realNode: true,
      nodes: [],
      auditLog: true,
      nodeMonitorGracePeriodSeconds: GRACE_SECONDS,
    }),
    buildImage(work, IMAGE),
  ]);
  cluster = started;
  kube = kubectlOf(cluster);
  cluster.realNode!.importImage(archive);
  const manifests = Bun.spawnSync([BINARY, "manifests", "--image", IMAGE], { stdout: "pipe", stderr: "pipe" });
  if (manifests.exitCode !== 0) throw new Error(`plexd-hook manifests: ${manifests.stderr}`);
  await kube.k(["apply", "-f", "-"], manifests.stdout.toString());
  // The fleet controller reports a lost node, so it must not run on the node it reports: real-0 is the only real node
  // here, so it runs on the host, with the same account and the same code as the Deployment's pods.
  await kube.k(["delete", "deployment", "plexd-hook-fleet", "-n", NS]);
  const token = (await kube.k(["create", "token", "plexd-cluster", "-n", NS, "--duration=1h"])).trim();
  const kubeconfig = writeTokenKubeconfig(cluster, join(work, "plexd-cluster.kubeconfig"), token);
  fleet = startOperator(["fleet", "--kubeconfig", kubeconfig, "--namespace", NS, `--node-lost-after=${LOST_AFTER_SECONDS}`]);
  await Promise.all([fleet.waitReady(), readyPods(cluster, NS, DS_SELECTOR, 1)]);
}, 900_000);

afterAll(async () => {
  if (figures.length > 0) {
    console.log(["| fault | what the status says | time to right | lost or run twice |", "| --- | --- | --- | --- |"].join("\n"));
    for (const row of figures) console.log(`| ${row.join(" | ")} |`);
  }
  await fleet?.stop();
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("faults on real-0", () => {
  test("a hook container the OOM killer kills (a LimitRange's memory limit) ends Failed with exit code 137 and OOMKilled in the message", async () => {
    // The hook spec has no resources: a namespace's LimitRange gives its pods a memory limit, as a cluster admin would.
    await kube.k(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: { name: "hook-memory", namespace: NS },
        spec: { limits: [{ type: "Container", default: { memory: "24Mi" }, defaultRequest: { memory: "24Mi" } }] },
      }),
    );
    try {
      // dd reads 64 MiB of zeros into one buffer: every page is written, far past the limit; exec makes it the container.
      await applyHook("oom", shell("echo start; exec dd if=/dev/zero of=/dev/null bs=64M count=1"));
      const result = await finished(cluster, NS, "oom");
      const seen = Date.now();
      expect(result.phase).toBe("Failed");
      expect(result.exitCode).toBe(137);
      expect(result.message).toMatch(/exited with code 137 \(OOMKilled\)/);
      const [pod] = await podsOf("oom");
      expect(pod.spec.containers[0].resources.limits.memory).toBe("24Mi");
      await onceEach(["oom"]);
      figure(
        "container OOM-killed (memory limit 24Mi)",
        `Failed, exit code 137: \`${result.message}\``,
        `${seconds(seen - (await containerEnded("oom")))} after the kill`,
        "none: 1 Job, 1 pod",
      );
    } finally {
      await kube.k(["delete", "limitrange", "hook-memory", "-n", NS]);
    }
  }, 180_000);

  test("an image that cannot be pulled: Pending with the kubelet's reason, then Failed at the hook's deadline", async () => {
    const deadline = 20;
    const created = Date.now();
    await applyHook("unpullable", { jobTemplate: { image: "plexd.test/absent:1" }, activeDeadlineSeconds: deadline });
    const pending = await waitFor(
      "the hook to say why its pod does not start",
      async () => {
        const s = await status("unpullable");
        return s.phase === "Pending" && /ErrImagePull|ImagePullBackOff/.test(s.message ?? "") ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const reasonAt = Date.now();
    expect(pending.message).toContain("plexd.test/absent:1");
    const result = await finished(cluster, NS, "unpullable", 120_000);
    const failedAt = Date.now();
    expect(result.phase).toBe("Failed");
    expect(result.message).toMatch(/DeadlineExceeded/);
    expect(failedAt - created).toBeGreaterThanOrEqual(deadline * 1000);
    await onceEach(["unpullable"], 0);
    figure(
      "image cannot be pulled (deadline 20 s)",
      `Pending: \`${pending.message}\`, then Failed: \`${result.message}\``,
      `reason after ${seconds(reasonAt - created)}; Failed ${seconds(failedAt - created)} after creation`,
      "none: 1 Job; its one pod never started and was deleted at the deadline",
    );
  }, 180_000);

  test("the operator's container SIGKILLed by containerd mid-burst: the kubelet restarts it and each of 20 hooks gets one Job and succeeds", async () => {
    const [agent] = await readyPods(cluster, NS, DS_SELECTOR, 1);
    const restarts = agent.status.containerStatuses[0].restartCount;
    const id = agent.status.containerStatuses[0].containerID.replace(/^containerd:\/\//, "");
    const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    const yaml = names.map((n) => hookYaml(n, NS, { hookName: n, nodeName: REAL_NODE, ...shell(`echo ${n}`) })).join("\n---\n");
    const withJobs = () => {
      const creates = jobCreates(cluster, NS);
      return names.filter((n) => creates.has(`plexdhook-${n}`)).length;
    };
    // kubectl creates the 20 hooks one request after another; the kill comes with the operator's first Job.
    const applied = kube.k(["apply", "-f", "-"], yaml);
    await waitFor("the operator to create its first Job", () => withJobs() >= 1, { timeoutMs: 30_000, intervalMs: 10 });
    ctr(cluster.realNode!.socket, ["tasks", "kill", "--signal", "SIGKILL", id]);
    const killedAt = Date.now();
    const jobsBefore = withJobs();
    await applied;
    const [restarted] = await readyPods(
      cluster,
      NS,
      DS_SELECTOR,
      1,
      (p) => p.status.containerStatuses[0].restartCount > restarts,
    );
    const backAt = Date.now();
    const last = restarted.status.containerStatuses[0].lastState.terminated;
    expect(last.exitCode).toBe(137);
    const results = await Promise.all(names.map((n) => finished(cluster, NS, n)));
    const doneAt = Date.now();
    expect(results.map((r) => r.phase)).toEqual(names.map(() => "Succeeded"));
    await onceEach(names);
    for (const n of [names[0]!, names[19]!]) expect(await logsOf(n)).toBe(`${n}\n`);
    figure(
      "operator container SIGKILLed mid-burst of 20 hooks",
      `all 20 Succeeded (${jobsBefore} had their Job at the kill)`,
      `operator Ready again ${seconds(backAt - killedAt)} after the kill; all 20 Succeeded ${seconds(doneAt - killedAt)} after it`,
      "none: 1 Job and 1 pod per hook",
    );
  }, 240_000);

  test("containerd restarted while a hook runs: the hook's container lives on and the hook ends Succeeded with its whole log", async () => {
    await applyHook("containerd-restart", shell("echo before; sleep 8; echo after"));
    await reaches("containerd-restart", "Running");
    const started = Date.now();
    const pids = await cluster.realNode!.restartContainerd();
    const restartMs = Date.now() - started;
    expect(pids.started).not.toBe(pids.stopped);
    const result = await finished(cluster, NS, "containerd-restart");
    const seen = Date.now();
    expect(result.phase).toBe("Succeeded");
    expect(await logsOf("containerd-restart")).toBe("before\nafter\n");
    const [pod] = await podsOf("containerd-restart");
    expect(pod.status.containerStatuses[0].restartCount).toBe(0);
    await onceEach(["containerd-restart"]);
    figure(
      "containerd restarted under a running hook",
      "Running throughout, then Succeeded with the whole log",
      `containerd back in ${seconds(restartMs)}; Succeeded ${seconds(seen - (await containerEnded("containerd-restart")))} after the container ended`,
      "none: 1 Job, 1 pod, no container restart",
    );
  }, 180_000);

  test("the kubelet stopped past the grace period, then started: the node goes NotReady and back, and the hook ends Succeeded, not lost", async () => {
    await applyHook("kubelet-pause", shell("echo start; sleep 10; echo end"));
    await reaches("kubelet-pause", "Running");
    const stoppedAt = Date.now();
    await cluster.realNode!.stopKubelet();
    await nodeBecomes(false);
    const notReadyAt = Date.now();
    // NotReady, but not long enough to be lost: the hook still says Running.
    expect((await status("kubelet-pause")).phase).toBe("Running");
    cluster.realNode!.startKubelet();
    await nodeBecomes(true);
    const readyAt = Date.now();
    const result = await finished(cluster, NS, "kubelet-pause");
    const seen = Date.now();
    expect(result.phase).toBe("Succeeded");
    expect(await logsOf("kubelet-pause")).toBe("start\nend\n");
    // The container ended while no kubelet was there to report it.
    expect(await containerEnded("kubelet-pause")).toBeLessThan(readyAt);
    await onceEach(["kubelet-pause"]);
    figure(
      `kubelet stopped until the node was NotReady (grace period ${GRACE_SECONDS} s), then started`,
      "Running while NotReady, then Succeeded with the whole log",
      `NotReady ${seconds(notReadyAt - stoppedAt)} after the stop; Ready ${seconds(readyAt - notReadyAt)} after the start; Succeeded ${seconds(seen - readyAt)} after Ready`,
      "none: 1 Job, 1 pod",
    );
  }, 240_000);

  test("the kubelet stopped for good: the fleet controller reports the running hook Failed (NodeLost) once real-0 has been NotReady for --node-lost-after", async () => {
    await applyHook("node-lost", shell("echo start; sleep 3600"));
    await reaches("node-lost", "Running");
    const stoppedAt = Date.now();
    await cluster.realNode!.stopKubelet();
    await nodeBecomes(false);
    const notReadyAt = Date.now();
    const result = await finished(cluster, NS, "node-lost", 120_000);
    const seen = Date.now();
    expect(result.phase).toBe("Failed");
    expect(result.message).toMatch(new RegExp(`node ${REAL_NODE} has been NotReady since`));
    expect(result.conditions.find((c: any) => c.type === "Succeeded")).toMatchObject({ status: "False", reason: "NodeLost" });
    expect(seen - notReadyAt).toBeGreaterThanOrEqual(LOST_AFTER_SECONDS * 1000 - 2_000);
    await onceEach(["node-lost"]);
    figure(
      `kubelet stopped for good (--node-lost-after ${LOST_AFTER_SECONDS} s)`,
      `Failed, reason NodeLost: \`${result.message}\``,
      `NotReady ${seconds(notReadyAt - stoppedAt)} after the stop; Failed ${seconds(seen - notReadyAt)} after NotReady`,
      "none: 1 Job; the hook is not run elsewhere",
    );
  }, 240_000);
});
