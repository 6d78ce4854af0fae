// A hook's task runs at most once and only its own Job counts: orphaned and foreign Jobs, SIGKILL and 403s around a
// TTL of 0, which the Job's finalizer holds off until the hook's status has the outcome.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readAuditLog } from "../cluster/audit.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";
import { denyingPolicy } from "./support/policies.ts";

let env: Setup;

beforeAll(async () => {
  env = await sharedCluster();
}, 600_000);

/** Successful Job creates in `namespace`, as the API server's audit log has them. */
function jobCreates(namespace: string): string[] {
  return readAuditLog(env.cluster.auditLogPath as string)
    .filter(
      (e) =>
        e.stage === "ResponseComplete" &&
        e.verb === "create" &&
        e.objectRef?.resource === "jobs" &&
        e.objectRef?.namespace === namespace &&
        e.responseStatus?.code === 201,
    )
    .map((e) => `${e.user.username} ${e.objectRef?.name ?? ""}`);
}

const statusOf = async (namespace: string, name: string) =>
  (await env.json(["get", "plexdhook", name, "-n", namespace])).status ?? {};
const reasonOf = (status: { conditions?: Array<{ type: string; reason: string }> }) =>
  status.conditions?.find((c) => c.type === "JobCreated")?.reason;
const ended = (namespace: string, name: string) =>
  waitFor(
    `${namespace}/${name} to end`,
    async () => {
      const status = await statusOf(namespace, name);
      return status.phase === "Succeeded" || status.phase === "Failed" ? status : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
const jobGone = (namespace: string, job: string) =>
  waitFor(
    `Job ${job} to be removed by its TTL`,
    async () => (await env.tryK(["get", "job", job, "-n", namespace])).stderr.includes("NotFound"),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
/** Waits until the Job's deletion (its TTL) is held by plexd-hook's finalizer: finished, deleted, still there. */
const jobHeld = (namespace: string, job: string) =>
  waitFor(
    `Job ${job} to be deleted by its TTL and held by the finalizer`,
    async () => {
      const found = await env.tryK(["get", "job", job, "-n", namespace, "-o", "json"]);
      if (found.code !== 0) throw new Error(`Job ${job} vanished before its outcome was recorded: ${found.stderr}`);
      const { metadata } = JSON.parse(found.stdout);
      return metadata.deletionTimestamp !== undefined && metadata.finalizers?.includes("plexd.plexsphere.com/outcome");
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
/** Refuses every status write in `namespace` (a ValidatingAdmissionPolicy) until the returned function lifts it. */
async function pauseStatusWrites(namespace: string): Promise<() => Promise<void>> {
  const name = `pause-status-${namespace}`;
  const policy = denyingPolicy({
    ...{ name, namespace, operations: ["UPDATE"], resource: "plexdhooks/status" },
    ...{ expression: "false", message: "status writes paused by the test", labels: { "plexd.test/pause": "status" } },
  });
  await env.k(["apply", "-f", "-"], policy);
  await env.k(["apply", "-f", "-"], hookYaml("probe", namespace, { hookName: "probe", nodeName: "node-none" }));
  const paused = async () =>
    (
      await env.tryK([
        ...["patch", "plexdhook", "probe", "-n", namespace, "--subresource=status", "--type=merge", "--dry-run=server"],
        ...["-p", JSON.stringify({ status: { message: "probe" } })],
      ])
    ).stderr.includes("status writes paused by the test");
  await waitFor("the status pause to take effect", paused, { timeoutMs: 15_000, intervalMs: 100 });
  return async () => {
    await env.k(["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", name]);
    await waitFor("the status pause to be lifted", async () => !(await paused()), { timeoutMs: 15_000, intervalMs: 100 });
  };
}
/** Resolves as soon as the operator logged that it created a Job (polls its log lines as they arrive). */
const created = (operator: Operator) =>
  waitFor("the Job create", () => operator.logs.some((l) => l.msg === "plexdhook job created"), {
    timeoutMs: 30_000,
    intervalMs: 2,
  });

describe("only a Job whose controller owner reference carries the hook's UID counts", () => {
  const NS = "e2e-once-owner";
  let operator: Operator;
  beforeAll(async () => {
    await env.namespace(NS);
    operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--all-nodes"]);
    await operator.waitReady();
  });
  afterAll(async () => {
    await operator?.stop();
  });

  test("a Job orphaned by --cascade=orphan is not adopted by a new hook of the same name", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("orphaned", NS, { hookName: "o", nodeName: "node-a" }));
    expect((await ended(NS, "orphaned")).phase).toBe("Succeeded");
    await env.k(["delete", "plexdhook", "orphaned", "-n", NS, "--cascade=orphan"]);
    await waitFor(
      "the garbage collector to orphan the Job",
      async () => ((await env.json(["get", "job", "plexdhook-orphaned", "-n", NS])).metadata.ownerReferences ?? []).length === 0,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await env.k(["apply", "-f", "-"], hookYaml("orphaned", NS, { hookName: "o", nodeName: "node-a" }));
    const status = await ended(NS, "orphaned");
    expect(status.phase).toBe("Failed");
    expect(reasonOf(status)).toBe("JobOwnedElsewhere");
    expect(status.message).toContain(
      "Job plexdhook-orphaned exists and is not this PlexdHook's (it has no PlexdHook as its controller)",
    );
    expect(status.message).toContain("delete that Job and create this PlexdHook again, or create it under another name");
    expect(jobCreates(NS).filter((c) => c.includes("plexdhook-orphaned"))).toHaveLength(1);
  });

  test("a Job pre-created by someone who may create Jobs is reported, logged as existing, and left alone", async () => {
    await env.k(["create", "job", "plexdhook-foreign", "-n", NS, "--image=busybox", "--", "true"]);
    await env.k(["apply", "-f", "-"], hookYaml("foreign", NS, { hookName: "f", nodeName: "node-a" }));
    const status = await ended(NS, "foreign");
    expect(status.phase).toBe("Failed");
    expect(reasonOf(status)).toBe("JobOwnedElsewhere");
    expect(operator.logs.filter((l) => l.msg === "plexdhook job already exists" && l.hook === "foreign")).toHaveLength(1);
    const job = await env.json(["get", "job", "plexdhook-foreign", "-n", NS]);
    expect(job.metadata.ownerReferences).toBeUndefined();
    expect(job.spec.template.spec.containers[0].image).toBe("busybox");
  });
});

describe("at most once, even when the Job is gone before the controller looks again", () => {
  test("SIGKILL between the Job create and the status write, TTL 0: the finalizer holds the finished Job, so the restarted agent records its outcome, and there was one create", async () => {
    const NS = await env.namespace("e2e-once-kill");
    // The DaemonSet's own identity on node-a, as a node agent has it.
    const args = ["--kubeconfig", await env.nodeKubeconfig("node-a"), "--namespace", NS, "--node-name", "node-a"];
    const resume = await pauseStatusWrites(NS);
    const first = startOperator(args);
    await first.waitReady();
    await env.k(["apply", "-f", "-"], hookYaml("killed", NS, { hookName: "k", nodeName: "node-a", ttlSecondsAfterFinished: 0 }));
    await created(first);
    // The status write after the create is refused, so the kill lands in the window a claim once covered.
    await waitFor("the status write to be refused", () => first.logs.some((l) => l.msg === "plexdhook status update failed"), {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    first.proc.kill("SIGKILL");
    await first.exited;
    expect((await statusOf(NS, "killed")).jobName).toBeUndefined();
    // The Job runs, finishes, and its TTL of 0 deletes it: the finalizer keeps it until the outcome is recorded.
    await jobHeld(NS, "plexdhook-killed");
    await resume();

    const second = startOperator(args);
    try {
      await second.waitReady();
      const status = await ended(NS, "killed");
      expect(status.phase).toBe("Succeeded");
      expect(status.jobName).toBe("plexdhook-killed");
      // Released once recorded, the Job goes as its TTL asked.
      await jobGone(NS, "plexdhook-killed");
      // Give a second create every chance to happen before counting.
      await Bun.sleep(2_000);
      expect(jobCreates(NS)).toEqual(["system:serviceaccount:plexd-system:plexd plexdhook-killed"]);
      expect(second.logs.filter((l) => l.msg === "plexdhook job created")).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 120_000);

  test("a Job deleted by hand while it runs is held until the hook says so: Failed with reason JobDeleted, then it goes", async () => {
    const NS = await env.namespace("e2e-once-deleted");
    const agent = startOperator(["--kubeconfig", await env.nodeKubeconfig("node-a"), "--namespace", NS, "--node-name", "node-a"]);
    try {
      await agent.waitReady();
      const spec = { hookName: "d", nodeName: "node-a", jobTemplate: { image: "plexd.test/sleep" } };
      await env.k(["apply", "-f", "-"], hookYaml("deleted", NS, spec));
      await waitFor("Running", async () => (await statusOf(NS, "deleted")).phase === "Running", {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      await env.k(["delete", "job", "plexdhook-deleted", "-n", NS, "--wait=false"]);
      const status = await ended(NS, "deleted");
      expect(status.phase).toBe("Failed");
      expect(status.conditions.find((c: { type: string }) => c.type === "Succeeded")?.reason).toBe("JobDeleted");
      expect(status.conditions.find((c: { type: string }) => c.type === "JobCreated")?.status).toBe("True");
      expect(status.message).toContain("Job plexdhook-deleted was deleted before it ended");
      await jobGone(NS, "plexdhook-deleted");
    } finally {
      await agent.stop();
    }
  }, 90_000);

  test("status writes refused (403) while the TTL deletes the finished Job: held, no second Job, and the hook ends once writes work again", async () => {
    const NS = await env.namespace("e2e-once-403");
    // Its own user, so its permissions can be swapped under it: everything ClusterRole plexd-cluster (cluster mode) has but the status.
    const role = JSON.parse(await env.k(["get", "clusterrole", "plexd-cluster", "-o", "json"]));
    const noStatus = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "plexd-without-status", namespace: NS },
      rules: role.rules.filter((r: { resources: string[] }) => !r.resources.includes("plexdhooks/status")),
    };
    await env.k(["apply", "-f", "-"], JSON.stringify(noStatus));
    await env.k(["create", "rolebinding", "full", "--clusterrole=plexd-cluster", "--user=once-operator", "-n", NS]);
    const kubeconfig = await env.cluster.kubeconfigFor("once-operator");
    const can = async (verb: string) =>
      (
        await env.tryK(["auth", "can-i", verb, "plexdhooks", "--subresource=status", "--as=once-operator", "-n", NS])
      ).stdout.trim() === "yes";
    await waitFor("the full binding", () => can("update"), { timeoutMs: 10_000, intervalMs: 50 });

    const operator = startOperator(["--kubeconfig", kubeconfig, "--namespace", NS, "--all-nodes"]);
    try {
      await operator.waitReady();
      await env.k(
        ["apply", "-f", "-"],
        hookYaml("denied", NS, { hookName: "d", nodeName: "node-a", ttlSecondsAfterFinished: 0 }),
      );
      await created(operator);
      await env.k(["create", "rolebinding", "no-status", "--role=plexd-without-status", "--user=once-operator", "-n", NS]);
      await env.k(["delete", "rolebinding", "full", "-n", NS]);
      await waitFor("the status permission to be gone", async () => !(await can("update")), {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      await jobHeld(NS, "plexdhook-denied");
      const refused = () =>
        operator.logs.filter((l) => l.msg === "plexdhook status update failed" && /forbidden/i.test(String(l.error)));
      await waitFor("status writes to be refused with 403", () => refused().length >= 2, { timeoutMs: 30_000, intervalMs: 100 });
      expect(jobCreates(NS)).toHaveLength(1);

      await env.k(["create", "rolebinding", "full", "--clusterrole=plexd-cluster", "--user=once-operator", "-n", NS]);
      const status = await ended(NS, "denied");
      // The finalizer held the finished Job, so how it ended is still known; then it goes.
      expect(status.phase).toBe("Succeeded");
      await jobGone(NS, "plexdhook-denied");
      expect(jobCreates(NS)).toEqual(["once-operator plexdhook-denied"]);
    } finally {
      await operator.stop();
    }
  }, 150_000);
});
