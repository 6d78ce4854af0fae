// The Helm chart on real-0 with the image `npm run image` built: install (the DaemonSet pod and both fleet replicas run
// for real on containerd and runc), an upgrade to a second tag while 20 hooks run on real-0 and on kwok nodes, and an
// uninstall that keeps the CRD and the hooks. kwok runs no real container, so on node-a and node-b a host process with
// the token of the DaemonSet pod kwok pretends to run stands in for that pod, and is replaced as the upgrade replaces it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import pkg from "../../package.json" with { type: "json" };
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { ensureHelm, runHelm } from "../cluster/helm.ts";
import { ctr } from "../cluster/real-node/images.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, writeTokenKubeconfig } from "./support/cluster.ts";
import { type Operator, REPO, startOperator } from "./support/operator.ts";
import {
  buildImage,
  DS_SELECTOR,
  FLEET_SELECTOR,
  finished,
  jobCreates,
  kubectlOf,
  livePods,
  REAL_NODE,
  readyPods,
  shell,
  watchHooks,
} from "./support/real-operator.ts";

const CHART = join(REPO, "deploy", "helm", "plexd-hook");
const NS = "plexd-system";
const KWOK_NODES = ["node-a", "node-b"];
const REPOSITORY = "plexd.test/plexd-hook";
const FIRST = `${pkg.version}-e2e`;
const SECOND = `${pkg.version}-e2e.2`;
let cluster: Cluster;
let kube: ReturnType<typeof kubectlOf>;
let helmBin: string;
let work: string;
/** The stand-ins for the DaemonSet pods on the kwok nodes, by node. */
const standIns = new Map<string, Operator>();

async function helm(args: string[]): Promise<string> {
  const result = await runHelm(helmBin, args, { kubeconfig: cluster.kubeconfig, home: join(work, "helm-home"), cwd: REPO });
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Starts (or replaces) the stand-in agent of `node`, with a plexd token bound to the DaemonSet pod now on it. */
async function standIn(node: string): Promise<void> {
  await standIns.get(node)?.stop();
  const [pod] = await readyPods(
    cluster,
    NS,
    DS_SELECTOR,
    1,
    (p) => p.spec.nodeName === node && p.spec.containers[0].image.endsWith(currentTag),
  );
  const token = (
    await kube.k([
      "create",
      "token",
      "plexd",
      "-n",
      NS,
      "--duration=1h",
      "--bound-object-kind=Pod",
      `--bound-object-name=${pod.metadata.name}`,
      `--bound-object-uid=${pod.metadata.uid}`,
    ])
  ).trim();
  const kubeconfig = writeTokenKubeconfig(cluster, join(work, `${node}-${pod.metadata.uid}.kubeconfig`), token);
  const agent = startOperator(["--kubeconfig", kubeconfig, "--namespace", NS, "--node-name", node]);
  await agent.waitReady();
  standIns.set(node, agent);
}
let currentTag = FIRST;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "plexd-real-helm-"));
  const [started, archive, bin] = await Promise.all([
    startCluster({ name: "real-helm", realNode: true, nodes: KWOK_NODES, auditLog: true }),
    buildImage(work, `${REPOSITORY}:${FIRST}`),
    ensureHelm(),
  ]);
  cluster = started;
  helmBin = bin;
  kube = kubectlOf(cluster);
  cluster.realNode!.importImage(archive);
  // The second tag is the same image under another name, as a registry would serve a re-tagged release.
  ctr(cluster.realNode!.socket, ["images", "tag", `${REPOSITORY}:${FIRST}`, `${REPOSITORY}:${SECOND}`]);
}, 900_000);

afterAll(async () => {
  await Promise.all([...standIns.values()].map((agent) => agent.stop()));
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the chart on real-0, with the built image", () => {
  test("helm install: the DaemonSet pod on real-0 and both fleet replicas run the image and become Ready, and the seed's hook succeeds there", async () => {
    const started = performance.now();
    // kwok nodes run no real container: the fleet controller goes where it really runs.
    await helm([
      "install",
      "plexd-hook",
      CHART,
      "--wait",
      "--timeout=5m",
      `--set=image.repository=${REPOSITORY},image.tag=${FIRST}`,
      '--set-json=fleet.nodeSelector={"plexd.test/real-node":"true"}',
    ]);
    const installMs = performance.now() - started;
    const [agent] = await readyPods(cluster, NS, DS_SELECTOR, 1, (p) => p.spec.nodeName === REAL_NODE);
    expect(agent.spec.containers[0].image).toBe(`${REPOSITORY}:${FIRST}`);
    expect(agent.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0 });
    const fleet = await readyPods(cluster, NS, FLEET_SELECTOR, 2);
    expect(fleet.map((p) => [p.spec.nodeName, p.spec.containers[0].image, p.status.containerStatuses[0].restartCount])).toEqual([
      [REAL_NODE, `${REPOSITORY}:${FIRST}`, 0],
      [REAL_NODE, `${REPOSITORY}:${FIRST}`, 0],
    ]);
    // One replica holds the Lease: its log says it became leader under the holder's identity.
    const lease = await waitFor(
      "the fleet Lease",
      async () => (await kube.json(["get", "lease", "plexd-hook-fleet", "-n", NS])).spec.holderIdentity,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const leaders = await Promise.all(
      fleet.map(async (p) => (await kube.k(["logs", "-n", NS, p.metadata.name])).includes(`"identity":"${lease}","leader":true`)),
    );
    expect(leaders.filter(Boolean)).toHaveLength(1);

    await kube.k(
      ["apply", "-f", "-"],
      hookYaml("disk-check", NS, { hookName: "disk-check", nodeName: REAL_NODE, ...shell("df -h /") }),
    );
    const status = await finished(cluster, NS, "disk-check");
    expect(status).toMatchObject({ phase: "Succeeded", nodeName: REAL_NODE, jobName: "plexdhook-disk-check" });
    expect(await kube.k(["logs", "-n", NS, "job/plexdhook-disk-check"])).toMatch(
      /^Filesystem\s+Size\s+Used\s+Available\s+Use%\s+Mounted on$/m,
    );
    console.log(
      `helm install --wait on real-0: ${seconds(installMs)}; the seed's hook: ${seconds(Date.parse(status.completedAt) - Date.parse(status.startedAt))} from start to Succeeded`,
    );
    await Promise.all(KWOK_NODES.map(standIn));
  }, 420_000);

  // Ten hooks on real-0 (sleeps of 4 to 22 s; two exit 3) and ten on the kwok nodes (10 to 19 s; one fails with 3).
  const REAL_HOOKS = Array.from({ length: 10 }, (_, i) => ({
    name: `up-real-${i}`,
    node: REAL_NODE,
    exit: i % 5 === 4 ? 3 : 0,
    spec: shell(`sleep ${4 + 2 * i}; echo ${i}; exit ${i % 5 === 4 ? 3 : 0}`),
  }));
  const KWOK_HOOKS = Array.from({ length: 10 }, (_, i) => ({
    name: `up-kwok-${i}`,
    node: KWOK_NODES[i % 2]!,
    exit: i === 7 ? 3 : 0,
    spec: { jobTemplate: { image: i === 7 ? "plexd.test/fail-exit-3" : `plexd.test/run-${10 + i}s` } },
  }));
  const HOOKS = [...REAL_HOOKS, ...KWOK_HOOKS];

  test("helm upgrade to a second tag while 20 hooks run: each ends once with its outcome, no Job is created twice, the hooks stay", async () => {
    const watch = watchHooks(cluster, NS);
    try {
      const created = performance.now();
      await kube.k(
        ["apply", "-f", "-"],
        HOOKS.map((h) => hookYaml(h.name, NS, { hookName: h.name, nodeName: h.node, ...h.spec })).join("\n---\n"),
      );
      await waitFor(
        "five hooks running on real-0",
        () => REAL_HOOKS.filter((h) => watch.firstAt(h.name, "Running") !== undefined).length >= 5,
        {
          timeoutMs: 120_000,
          intervalMs: 200,
        },
      );
      const upgradeStarted = performance.now();
      const upgradeAt = Date.now();
      currentTag = SECOND;
      await helm(["upgrade", "plexd-hook", CHART, "--reuse-values", "--wait", "--timeout=5m", `--set=image.tag=${SECOND}`]);
      const upgradeMs = performance.now() - upgradeStarted;
      // The upgrade replaced the pods kwok pretends to run; their stand-ins are replaced likewise.
      await Promise.all(KWOK_NODES.map(standIn));
      const running = HOOKS.filter((h) => {
        const ended = watch.seen.get(h.name)?.find((s) => s.phase === "Succeeded" || s.phase === "Failed");
        return ended === undefined || ended.at > upgradeAt;
      }).length;
      const statuses = await Promise.all(HOOKS.map((h) => finished(cluster, NS, h.name, 180_000)));
      const allDoneMs = performance.now() - created;

      expect(HOOKS.map((h, i) => [h.name, statuses[i].phase, statuses[i].exitCode])).toEqual(
        HOOKS.map((h) => [h.name, h.exit === 0 ? "Succeeded" : "Failed", h.exit === 0 ? undefined : h.exit]),
      );
      const creates = jobCreates(cluster, NS);
      expect(HOOKS.map((h) => [h.name, creates.get(`plexdhook-${h.name}`)])).toEqual(HOOKS.map((h) => [h.name, 1]));
      // Each real-0 hook ran in one pod, whose log is its own.
      for (const h of REAL_HOOKS) {
        const pods = await kube.json<{ items: any[] }>(["get", "pods", "-n", NS, "-l", `job-name=plexdhook-${h.name}`]);
        expect({ hook: h.name, pods: pods.items.length }).toEqual({ hook: h.name, pods: 1 });
      }
      expect(await kube.k(["logs", "-n", NS, "job/plexdhook-up-real-9"])).toBe("9\n");
      // Let the watch catch up with the last writes, then: no hook changed once it had ended.
      await waitFor(
        "the watch to see every hook end",
        () => HOOKS.every((h) => watch.seen.get(h.name)?.some((s) => s.phase === statuses[HOOKS.indexOf(h)].phase)),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(watch.changedAfterEnd()).toEqual([]);
      for (const h of HOOKS)
        expect({ hook: h.name, ends: watch.seen.get(h.name)!.filter((s) => s.completedAt !== "").length }).toEqual({
          hook: h.name,
          ends: 1,
        });

      const [agent] = await readyPods(
        cluster,
        NS,
        DS_SELECTOR,
        1,
        (p) => p.spec.nodeName === REAL_NODE && p.spec.containers[0].image.endsWith(SECOND),
      );
      expect(agent.status.containerStatuses[0].ready).toBe(true);
      const fleet = await readyPods(cluster, NS, FLEET_SELECTOR, 2, (p) => p.spec.containers[0].image.endsWith(SECOND));
      expect(fleet).toHaveLength(2);
      expect((await kube.json<{ items: any[] }>(["get", "plexdhooks", "-n", NS])).items).toHaveLength(HOOKS.length + 1);
      console.log(
        `helm upgrade --wait with 20 hooks in flight (${running} not yet ended when it began): ${seconds(upgradeMs)}; all 20 ended ${seconds(allDoneMs)} after they were created; Job creates per hook: 1`,
      );
    } finally {
      await watch.stop();
    }
  }, 480_000);

  test("helm uninstall removes every object of the release but the CRD and the namespace, and leaves the hooks as they were", async () => {
    const before = await kube.json<{ items: any[] }>(["get", "plexdhooks", "-n", NS]);
    const released = parseAllDocuments(await helm(["get", "manifest", "plexd-hook"]))
      .map((doc) => doc.toJS())
      .filter((obj) => obj?.kind);
    await Promise.all([...standIns.values()].map((agent) => agent.stop()));
    standIns.clear();
    await helm(["uninstall", "plexd-hook", "--wait", "--timeout=3m"]);
    const remaining: string[] = [];
    for (const obj of released) {
      const ns = obj.metadata.namespace === undefined ? [] : ["-n", obj.metadata.namespace];
      const found = (await kube.k(["get", obj.kind, obj.metadata.name, ...ns, "--ignore-not-found", "-o", "name"])).trim();
      if (found !== "") remaining.push(`${obj.kind}/${obj.metadata.name}`);
    }
    const kept = released.filter((obj) => obj.kind === "CustomResourceDefinition" || obj.kind === "Namespace");
    expect(kept.map((obj) => obj.metadata.name)).toContain("plexdhooks.plexd.plexsphere.com");
    expect(remaining.sort()).toEqual(kept.map((obj) => `${obj.kind}/${obj.metadata.name}`).sort());
    // The operator's pods are gone from real-0 too.
    await waitFor(
      "the operator's pods to be gone",
      async () =>
        (await livePods(cluster, NS, "app.kubernetes.io/name=plexd-hook")).length === 0 &&
        (await kube.json<{ items: any[] }>(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/name=plexd-hook"])).items.length ===
          0,
      {
        timeoutMs: 120_000,
        intervalMs: 500,
      },
    );
    const after = await kube.json<{ items: any[] }>(["get", "plexdhooks", "-n", NS]);
    expect(after.items.map((h: any) => [h.metadata.name, h.status])).toEqual(
      before.items.map((h: any) => [h.metadata.name, h.status]),
    );
    expect(after.items).toHaveLength(HOOKS.length + 1);
  }, 300_000);
});
