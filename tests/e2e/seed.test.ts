// The seed's CRD, Job tables and watch-create-status cycle, against the real control plane and the compiled binary.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../cluster/wait.ts";
import { seedSpec } from "../support/seed.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-seed";
let env: Setup;
let operator: Operator;
/** Privileged hooks' Jobs are the fleet controller's to create (a node agent's token cannot). */
let fleet: Operator;

const SEED = seedSpec({ nodeName: "node-a" });

const hook = (name: string) => env.json(["get", "plexdhook", name, "-n", NS]);
const job = (name: string) => env.json(["get", "job", name, "-n", NS]);
const _phase = async (name: string) => (await hook(name)).status?.phase as string | undefined;

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-a"]);
  fleet = startOperator(["fleet", "--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--agent-selector="]);
  await Promise.all([operator.waitReady(), fleet.waitReady()]);
}, 600_000);

afterAll(async () => {
  await Promise.all([operator?.stop(), fleet?.stop()]);
});

describe("the seed's example hook", () => {
  let created: any;
  beforeAll(async () => {
    await env.k(["apply", "-f", "-"], hookYaml("disk-check-node01", NS, SEED));
    created = await waitFor("the Job", () => job("plexdhook-disk-check-node01").catch(() => undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }, 60_000);

  const pod = () => created.spec.template.spec;
  const container = () => pod().containers[0];
  const rows: Array<[string, () => unknown, unknown]> = [
    ["Job name plexdhook-{resource-name}", () => created.metadata.name, "plexdhook-disk-check-node01"],
    ["namespace of the hook", () => created.metadata.namespace, NS],
    ["nodeSelector kubernetes.io/hostname", () => pod().nodeSelector, { "kubernetes.io/hostname": "node-a" }],
    ["label app.kubernetes.io/managed-by", () => created.metadata.labels["app.kubernetes.io/managed-by"], "plexd"],
    ["label plexd.plexsphere.com/hook-name", () => created.metadata.labels["plexd.plexsphere.com/hook-name"], "disk-check"],
    ["readOnlyRootFilesystem", () => container().securityContext.readOnlyRootFilesystem, true],
    ["capabilities drop ALL", () => container().securityContext.capabilities.drop, ["ALL"]],
    ["allowPrivilegeEscalation false", () => container().securityContext.allowPrivilegeEscalation, false],
    ["serviceAccountName plexd", () => pod().serviceAccountName, "plexd"],
    ["restartPolicy Never", () => pod().restartPolicy, "Never"],
    ["automountServiceAccountToken false", () => pod().automountServiceAccountToken, false],
    ["one container named hook", () => pod().containers.map((c: { name: string }) => c.name), ["hook"]],
    [
      "image, command and args",
      () => [container().image, container().command, container().args],
      ["alpine:3.19", ["/bin/sh", "-c"], ["df -h /dev/sda1"]],
    ],
    [
      "env PLEXD_NODE_ID, PLEXD_HOOK_NAME, PLEXD_PARAM_DISK_PATH=/dev/sda1, PLEXD_PARAM_THRESHOLD=90",
      () => container().env,
      [
        { name: "PLEXD_NODE_ID", value: "node-a" },
        { name: "PLEXD_HOOK_NAME", value: "disk-check" },
        { name: "PLEXD_PARAM_DISK_PATH", value: "/dev/sda1" },
        { name: "PLEXD_PARAM_THRESHOLD", value: "90" },
      ],
    ],
  ];
  test.each(rows)("the created Job has %s", (_row, actual, expected) => {
    expect(actual()).toEqual(expected);
  });

  test("the created Job is owned by the hook (controller, blockOwnerDeletion)", async () => {
    const owner = (await hook("disk-check-node01")).metadata;
    expect(created.metadata.ownerReferences).toEqual([
      {
        apiVersion: "plexd.plexsphere.com/v1alpha1",
        kind: "PlexdHook",
        name: "disk-check-node01",
        uid: owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  test("the hook's status names the Job, with startedAt, and its pod lands on the node", async () => {
    const status = await waitFor("status", async () => (await hook("disk-check-node01")).status, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(status.jobName).toBe("plexdhook-disk-check-node01");
    expect(["Pending", "Running", "Succeeded"]).toContain(status.phase);
    expect(Date.parse(status.startedAt)).not.toBeNaN();
    const pods = await env.json(["get", "pods", "-n", NS, "-l", "batch.kubernetes.io/job-name=plexdhook-disk-check-node01"]);
    await waitFor(
      "the pod to be scheduled",
      async () =>
        (await env.json(["get", "pods", "-n", NS, "-l", "batch.kubernetes.io/job-name=plexdhook-disk-check-node01"])).items[0]
          ?.spec.nodeName,
      { timeoutMs: 30_000, intervalMs: 100 },
    ).then((node) => expect(node).toBe("node-a"));
    expect(pods.items.length).toBeLessThanOrEqual(1);
  });

  test("the operator's hook watches are filtered by the API server, not in the client", () => {
    expect(operator.logs.filter((l) => l.level === "warn")).toEqual([]);
  });

  test("the operator logs 'plexdhook job created' with hook, job and node", () => {
    const line = operator.logs.find((l) => l.msg === "plexdhook job created" && l.hook === "disk-check-node01");
    expect(line).toMatchObject({
      level: "info",
      component: "plexdhook-controller",
      job: "plexdhook-disk-check-node01",
      node: "node-a",
    });
  });
});

describe("the watch-create-status cycle", () => {
  test("a privileged hook without jobTemplate runs busybox:latest with privileged: true", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("priv", NS, { hookName: "priv", privileged: true, nodeName: "node-a" }));
    const created = await waitFor("the Job", () => job("plexdhook-priv").catch(() => undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const container = created.spec.template.spec.containers[0];
    expect(container.image).toBe("busybox:latest");
    expect(container.securityContext).toEqual({ privileged: true });
  });

  test("a hook whose status already names a Job is skipped", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("already", NS, { hookName: "already", nodeName: "node-a" }));
    // Racing the operator is unreliable, so stop it, mark the hook as processed, and start it again.
    await operator.stop();
    await env.k([
      "patch",
      "plexdhook",
      "already",
      "-n",
      NS,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { jobName: "plexdhook-elsewhere", phase: "Pending" } }),
    ]);
    // Deleted while no operator runs: its finalizer holds it until the hook's status holds an outcome.
    await env.tryK(["delete", "job", "plexdhook-already", "-n", NS, "--wait=false"]);
    operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-a"]);
    await operator.waitReady();
    await env.k(["apply", "-f", "-"], hookYaml("after-skip", NS, { hookName: "after", nodeName: "node-a" }));
    await waitFor("the next hook's Job", () => job("plexdhook-after-skip").catch(() => undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // Never a Job of its own; the Job its status names does not exist, which the status then says.
    const status = await waitFor(
      "Failed",
      async () => {
        const s = (await hook("already")).status;
        return s?.phase === "Failed" && s;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(status).toMatchObject({
      jobName: "plexdhook-elsewhere",
      message: expect.stringContaining("Job plexdhook-elsewhere no longer exists"),
    });
    // With the hook ended, its own deleted Job is let go.
    await waitFor(
      "the deleted Job to go",
      async () => (await env.tryK(["get", "job", "plexdhook-already", "-n", NS])).code !== 0,
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
  }, 90_000);

  test("a restarted operator creates no second Job and keeps the status", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("restart", NS, { hookName: "restart", nodeName: "node-a" }));
    await waitFor("status", async () => (await hook("restart")).status?.jobName, { timeoutMs: 30_000, intervalMs: 100 });
    const before = await job("plexdhook-restart");
    const startedAt = (await hook("restart")).status.startedAt;
    expect(await operator.stop()).toBe(0);
    operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-a"]);
    await operator.waitReady();
    // A window: a second create would come right after the first full list; give it the chance before counting.
    await Bun.sleep(500);
    const jobs = await env.json(["get", "jobs", "-n", NS, "-l", "plexd.plexsphere.com/hook-name=restart"]);
    expect(jobs.items.map((j: any) => j.metadata.uid)).toEqual([before.metadata.uid]);
    expect((await hook("restart")).status.startedAt).toBe(startedAt);
  }, 60_000);

  test("a Job that already exists is logged and the hook still gets its status", async () => {
    // A Job by that name, made behind the operator's back and without the node label it watches.
    await env.k(["create", "job", "plexdhook-preexisting", "-n", NS, "--image=busybox:latest", "--", "true"]);
    await env.k(["apply", "-f", "-"], hookYaml("preexisting", NS, { hookName: "pre", nodeName: "node-a" }));
    const status = await waitFor("status", async () => (await hook("preexisting")).status, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(status).toMatchObject({ jobName: "plexdhook-preexisting" });
    expect(operator.logs.find((l) => l.msg === "plexdhook job already exists" && l.hook === "preexisting")).toMatchObject({
      level: "info",
      job: "plexdhook-preexisting",
    });
  }, 60_000);

  test("a create error sets Failed with the API server's message", async () => {
    const ns = await env.namespace("e2e-quota");
    await env.k(["create", "quota", "no-jobs", "-n", ns, "--hard=count/jobs.batch=0"]);
    const other = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", ns, "--node-name", "node-a"]);
    try {
      await other.waitReady();
      await env.k(["apply", "-f", "-"], hookYaml("over-quota", ns, { hookName: "q", nodeName: "node-a" }));
      const status = await waitFor(
        "Failed",
        async () => {
          const s = (await env.json(["get", "plexdhook", "over-quota", "-n", ns])).status;
          return s?.phase === "Failed" && s;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(status.message).toContain("exceeded quota");
      expect(other.logs.find((l) => l.msg === "plexdhook job creation failed")).toMatchObject({
        level: "error",
        hook: "over-quota",
      });
    } finally {
      expect(await other.stop()).toBe(0);
    }
  }, 60_000);

  test("deleting a PlexdHook deletes its Job", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("doomed", NS, { hookName: "doomed", nodeName: "node-a" }));
    await waitFor("the Job", () => job("plexdhook-doomed").catch(() => undefined), { timeoutMs: 30_000, intervalMs: 100 });
    await env.k(["delete", "plexdhook", "doomed", "-n", NS]);
    await waitFor(
      "garbage collection of the Job",
      async () => (await env.tryK(["get", "job", "plexdhook-doomed", "-n", NS])).code !== 0,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 90_000);

  test("SIGTERM stops the operator with exit code 0", async () => {
    const code = await operator.stop("SIGTERM");
    expect(code).toBe(0);
    expect(operator.logs.some((l) => l.msg === "plexdhook controller stopped")).toBe(true);
    operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-a"]);
    await operator.waitReady();
  }, 30_000);
});
