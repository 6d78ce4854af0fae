// plexd-hook-jobs on the real API server: a node-A token creates only the builder's unprivileged node-A Job; plexd-cluster any builder Job.

import { beforeAll, describe, expect, test } from "bun:test";
import { buildJob } from "../../lib/core/build-job.ts";
import type { Job, PlexdHook, PlexdHookSpec } from "../../lib/core/types.ts";
import { hookYaml, INSTALL_NAMESPACE, type Setup, sharedCluster } from "./support/cluster.ts";
import { SPOILED } from "./support/job-shapes.ts";

const NS = "e2e-job-policy";
const POLICY = "ValidatingAdmissionPolicy 'plexd-hook-jobs' with binding 'plexd-hook-jobs' denied request: ";
let env: Setup;
let nodeA: string;

/** Real PlexdHooks to own the Jobs (the name rule compares the Job's name with its owner's). */
const SPECS: Record<string, PlexdHookSpec> = {
  seed: { hookName: "seed-example" },
  "for-real": { hookName: "for-real", nodeName: "node-a" },
  full: {
    hookName: "full",
    nodeName: "node-a",
    jobTemplate: { image: "registry.example.com/tools:1.2", command: ["/bin/sh", "-c"], args: ["echo $PLEXD_PARAM_DISK"] },
    parameters: [
      { name: "disk", value: "/dev/sda" },
      { name: "empty", value: "" },
      { name: "region", valueFrom: { configMapKeyRef: { name: "site", key: "region", optional: true } } },
    ],
    activeDeadlineSeconds: 600,
    backoffLimit: 2,
    ttlSecondsAfterFinished: 60,
    output: { tailLines: 10 },
  },
  [`long-${"n".repeat(120)}`]: { hookName: "long", nodeName: "node-a" },
  secret: {
    hookName: "secret",
    nodeName: "node-a",
    parameters: [{ name: "password", valueFrom: { secretKeyRef: { name: "site", key: "password" } } }],
  },
  privileged: { hookName: "privileged", nodeName: "node-a", privileged: true },
  "control-plane": { hookName: "cp", nodeName: "node-a", allowControlPlane: true },
  "privileged-control-plane": { hookName: "both", privileged: true, allowControlPlane: true },
};
const hooks = new Map<string, PlexdHook>();
/** The Job the controllers make: buildJob() with plexd-hook's finalizer. */
const jobOf = (name: string, node = "node-a"): Job => buildJob(hooks.get(name)!, node, { finalizer: true });

/** Creates `job` as a server-side dry run (dryRun=All: admission runs, nothing is stored). */
const dryRun = (job: Job, kubeconfig: string) =>
  env.cluster.kubectl(["create", "--dry-run=server", "-f", "-"], { kubeconfig, stdin: JSON.stringify(job) });

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  for (const [name, spec] of Object.entries(SPECS)) {
    await env.k(["apply", "-f", "-"], hookYaml(name, NS, spec));
    hooks.set(name, await env.json(["get", "plexdhook", name, "-n", NS]));
  }
  nodeA = await env.nodeKubeconfig("node-a");
}, 600_000);

test("the token of the DaemonSet pod on node-a carries node-a in its user's extra", async () => {
  const review = await env.cluster.kubectl(["auth", "whoami", "-o", "json"], { kubeconfig: nodeA });
  expect(review.code).toBe(0);
  const user = JSON.parse(review.stdout).status.userInfo;
  expect(user.username).toBe(`system:serviceaccount:${INSTALL_NAMESPACE}:plexd`);
  expect(user.extra["authentication.kubernetes.io/node-name"]).toEqual(["node-a"]);
});

describe("a node-a token", () => {
  test.each(["seed", "full", `long-${"n".repeat(120)}`])(
    "creates buildJob()'s unprivileged node-a Job of hook %s",
    async (name) => {
      const result = await dryRun(jobOf(name), nodeA);
      expect(result.stderr).not.toContain("denied");
      expect(result.code).toBe(0);
    },
  );

  test("creates one for real, too", async () => {
    const job = jobOf("for-real");
    const result = await env.cluster.kubectl(["create", "-f", "-"], { kubeconfig: nodeA, stdin: JSON.stringify(job) });
    expect(result.stderr).not.toContain("denied");
    expect(result.code).toBe(0);
    const created = await env.json(["get", "job", job.metadata!.name!, "-n", NS]);
    expect(created.spec.template.spec.nodeSelector).toEqual({ "kubernetes.io/hostname": "node-a" });
  });

  const builderRefused: Array<[string, () => Job, string]> = [
    [
      "a privileged hook's Job",
      () => jobOf("privileged"),
      "spec.template.spec.containers[0].securityContext.privileged: the node agent token of node-a may create only unprivileged hook Jobs; the fleet controller (plexd-cluster) creates the Jobs of privileged hooks",
    ],
    [
      "an allowControlPlane hook's Job",
      () => jobOf("control-plane"),
      "spec.template.spec.affinity: the node agent token of node-a may create only Jobs that keep off control-plane nodes",
    ],
    [
      "the Job of a hook whose parameter reads a Secret",
      () => jobOf("secret"),
      "spec.template.spec.containers[0].env[].valueFrom.secretKeyRef: the node agent token of node-a may not read a Secret into a Job; the fleet controller (plexd-cluster) creates the Jobs of hooks whose parameters read a Secret",
    ],
    [
      "the Job for node-b",
      () => jobOf("seed", "node-b"),
      "spec.template.spec.nodeSelector: a plexd token bound to node node-a may create Jobs only for that node (nodeSelector kubernetes.io/hostname: node-a), and this Job is pinned to node-b",
    ],
  ];
  test.each(builderRefused)("is refused %s, with a message naming the field", async (_what, job, message) => {
    const result = await dryRun(job(), nodeA);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(POLICY + message);
  });

  test.each(SPOILED)("is refused a Job with %s, with a message naming the field", async (_what, spoil, message) => {
    const job = jobOf("full");
    spoil(job);
    const result = await dryRun(job, nodeA);
    if (process.env.PLEXD_E2E_VERBOSE) console.error(`${_what}: ${result.stderr.trim()}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message.startsWith("api: ") ? message.slice(5) : POLICY + message);
  });
});

test.each([
  ["an unbound plexd token", () => env.k(["create", "token", "plexd", "-n", INSTALL_NAMESPACE])],
  [
    "a plexd token bound to a Secret",
    async () => {
      await env.tryK(["create", "secret", "generic", "e2e-job-policy-bound", "-n", INSTALL_NAMESPACE]);
      const bound = ["--bound-object-kind=Secret", "--bound-object-name=e2e-job-policy-bound"];
      return env.k(["create", "token", "plexd", "-n", INSTALL_NAMESPACE, ...bound]);
    },
  ],
])("%s (no node) may create no Job at all, and is told to use plexd-cluster", async (what, mint) => {
  const kubeconfig = env.tokenKubeconfig(`${what.replaceAll(" ", "-")}.kubeconfig`, (await mint()).trim());
  const result = await dryRun(jobOf("seed"), kubeconfig);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(`${POLICY}this plexd token is not bound to a pod on a node`);
  expect(result.stderr).toContain("plexd-cluster ServiceAccount");
});

describe("plexd-cluster (the fleet controller, cluster mode)", () => {
  const builder: Array<[string, string, string]> = [
    ["the unprivileged Job", "seed", "node-b"],
    ["a privileged hook's Job", "privileged", "node-a"],
    ["an allowControlPlane hook's Job", "control-plane", "node-c"],
    ["a privileged allowControlPlane hook's Job", "privileged-control-plane", "node-b"],
    ["a Secret-reading hook's Job", "secret", "node-a"],
  ];
  test.each(builder)("creates buildJob()'s %s of hook %s on %s", async (_what, name, node) => {
    const result = await dryRun(jobOf(name, node), env.operatorKubeconfig);
    expect(result.stderr).not.toContain("denied");
    expect(result.code).toBe(0);
  });

  const refused: Array<[string, string, (job: Job) => void, string]> = [
    [
      "a hostPath volume",
      "privileged",
      (job) => (job.spec!.template.spec!.volumes = [{ name: "root", hostPath: { path: "/" } }]),
      "spec.template.spec.volumes: not set by the plexd-hook Job builder, so refused",
    ],
    [
      "privileged with added capabilities",
      "privileged",
      (job) => (job.spec!.template.spec!.containers[0]!.securityContext!.capabilities = { add: ["SYS_ADMIN"] }),
      "spec.template.spec.containers[0].securityContext.privileged: a privileged hook's Job sets exactly securityContext {privileged: true}, nothing beside it",
    ],
    [
      "hostPID",
      "privileged-control-plane",
      (job) => (job.spec!.template.spec!.hostPID = true),
      "spec.template.spec.hostPID: not set by the plexd-hook Job builder, so refused",
    ],
    [
      "the token automounted",
      "seed",
      (job) => (job.spec!.template.spec!.automountServiceAccountToken = true),
      "spec.template.spec.automountServiceAccountToken: a Job created by plexd-hook's accounts must set automountServiceAccountToken: false",
    ],
  ];
  test.each(refused)("is refused a Job with %s (hook %s)", async (_what, name, spoil, message) => {
    const job = jobOf(name);
    spoil(job);
    const result = await dryRun(job, env.operatorKubeconfig);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(POLICY + message);
  });
});

test("other users' Jobs are not the policy's business", async () => {
  const job = jobOf("seed", "node-b");
  delete job.metadata!.ownerReferences;
  job.spec!.template.spec!.hostPID = true;
  const result = await dryRun(job, env.cluster.kubeconfig);
  expect(result.stderr).not.toContain("denied");
  expect(result.code).toBe(0);
});
