// A drain for real on real-0: a Deployment's containers are stopped by the kubelet, their replacements
// wait Pending (the only node is cordoned), the hook's pod runs, and the uncordoned node takes them back.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readAuditLog } from "../cluster/audit.ts";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { BUSYBOX_FIXED } from "../cluster/real-node/images.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, INSTALL_NAMESPACE, type Setup, setUp } from "./support/cluster.ts";
import { grantDrainFinalizer } from "./support/drain.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "real-drain";
const APPS = "real-drain-apps";
const NODE = "real-0";
let cluster: Cluster;
let env: Setup;
const operators: Operator[] = [];

/** Pods of the Deployment, not being deleted. */
async function sleepers(): Promise<any[]> {
  const list = await env.json(["get", "pods", "-n", APPS, "-l", "app=sleeper"]);
  return (list.items as any[]).filter((p) => !p.metadata.deletionTimestamp);
}

beforeAll(async () => {
  cluster = await startCluster({ name: "real-drain", realNode: true, nodes: [], auditLog: true });
  env = await setUp(cluster);
  // The fleet controller and the agent run here as processes with the install's accounts: the
  // in-cluster ones would need the image built and imported, and a single-node cluster's fleet
  // controller would be drained along with everything else.
  await env.k(["delete", "deployment/plexd-hook-fleet", "daemonset/plexd-hook", "-n", INSTALL_NAMESPACE]);
  await env.namespace(NS);
  await grantDrainFinalizer(env, NS);
  for (const args of [
    ["fleet", "--agent-selector="],
    ["--node-name", NODE],
  ]) {
    operators.push(startOperator([...args, "--kubeconfig", env.operatorKubeconfig, "--namespace", NS]));
  }
  await Promise.all(operators.map((op) => op.waitReady()));
}, 900_000);

afterAll(async () => {
  await Promise.all(operators.map((op) => op.stop()));
  await cluster?.stop();
});

test("real pods are evicted and wait Pending, the hook runs on the cordoned node, and the uncordoned node takes them back", async () => {
  await env.k(["create", "namespace", APPS]);
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "sleeper", namespace: APPS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "sleeper" } },
      template: {
        metadata: { labels: { app: "sleeper" } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: "sleep",
              image: BUSYBOX_FIXED,
              command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
            },
          ],
        },
      },
    },
  };
  await env.k(["apply", "-f", "-"], JSON.stringify(deployment));
  const before = await waitFor(
    "the sleepers to run on real-0",
    async () => {
      const pods = await sleepers();
      const ready = pods.filter((p) => p.status.containerStatuses?.[0]?.ready === true && p.spec.nodeName === NODE);
      return ready.length === 2 && ready.map((p) => p.metadata.name as string);
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );

  const script = "echo drained: $(hostname)";
  await env.k(
    ["apply", "-f", "-"],
    hookYaml("maintain", NS, {
      hookName: "maintain",
      nodeName: NODE,
      drain: { enabled: true, timeoutSeconds: 120 },
      jobTemplate: { image: BUSYBOX_FIXED, command: ["/bin/sh", "-c"], args: [script] },
    }),
  );
  const drained = await waitFor(
    "the drain to complete",
    async () => {
      const status = (await env.json(["get", "plexdhook", "maintain", "-n", NS])).status;
      return status?.drain?.drainedAt && status;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  expect(drained.drain.nodeName).toBe(NODE);
  // With the only node cordoned, the ReplicaSet's replacements cannot be placed: they wait, saying why.
  const pending = await waitFor(
    "the replacements to wait Pending",
    async () => {
      const pods = await sleepers();
      return pods.length === 2 && pods.every((p) => p.status.phase === "Pending" && !p.spec.nodeName) && pods;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  for (const pod of pending) {
    expect(before).not.toContain(pod.metadata.name);
    const scheduled = pod.status.conditions?.find((c: any) => c.type === "PodScheduled");
    expect(scheduled?.message).toContain("unschedulable");
  }

  const done = await waitFor(
    "the hook to end and the node to be handed back",
    async () => {
      const status = (await env.json(["get", "plexdhook", "maintain", "-n", NS])).status;
      return status?.drain?.stage === "Released" && status;
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
  expect(done.phase).toBe("Succeeded");
  expect(done.drain.message).toBe(`Node ${NODE} uncordoned`);
  expect(await env.k(["logs", "-n", NS, "job/plexdhook-maintain"])).toMatch(/^drained: plexdhook-maintain-\w+\n$/);
  const node = await env.json(["get", "node", NODE]);
  expect(node.spec.unschedulable).toBeUndefined();
  expect(node.metadata.annotations?.["plexd.plexsphere.com/cordoned-by"]).toBeUndefined();

  // Uncordoned, the node runs the Deployment again.
  await waitFor(
    "the sleepers to run on real-0 again",
    async () => (await sleepers()).filter((p) => p.status.containerStatuses?.[0]?.ready === true).length === 2,
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const evicted = readAuditLog(cluster.auditLogPath as string, "ResponseComplete").filter(
    (e) => e.objectRef?.subresource === "eviction" && e.objectRef.namespace === APPS && e.responseStatus?.code === 201,
  );
  expect(evicted.map((e) => e.objectRef?.name).toSorted()).toEqual(before.toSorted());
}, 600_000);
