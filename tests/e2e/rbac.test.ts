// Least privilege, proven against the real RBAC: ClusterRoles plexd, plexd-cluster and plexd-hook-reader, and the operator run under them.

import { beforeAll, describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { readAuditLog } from "../cluster/audit.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { startOperator } from "./support/operator.ts";

const NS = "e2e-rbac";
const OPERATOR_ACCOUNT = "system:serviceaccount:plexd-system:plexd";
const CLUSTER_ACCOUNT = "system:serviceaccount:plexd-system:plexd-cluster";
let env: Setup;

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
}, 600_000);

/** `kubectl auth can-i` as `as`; a "resource/subresource" is split into --subresource. */
async function canI(verb: string, resource: string, as?: string, kubeconfig?: string): Promise<boolean> {
  // "kind/subresource", or "kind#name" for one named object.
  const [kindAndSub, name] = resource.split("#");
  const [type, subresource] = kindAndSub!.split("/");
  const args = ["auth", "can-i", verb, name ? `${type}/${name}` : type!];
  if (subresource) args.push(`--subresource=${subresource}`);
  if (as) args.push(`--as=${as}`);
  if (resource !== "nodes") args.push("-n", NS);
  const result = await env.cluster.kubectl(args, { kubeconfig });
  if (result.code > 1) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim() === "yes";
}

// [verb, resource ("kind/subresource", "kind#name"), plexd (node agents), plexd-cluster (fleet controller, cluster mode)]
const table: Array<[string, string, boolean, boolean]> = [
  // The seed's rules, for both.
  ["get", "plexdhooks", true, true],
  ["list", "plexdhooks", true, true],
  ["watch", "plexdhooks", true, true],
  ["get", "plexdhooks/status", true, true],
  ["update", "plexdhooks/status", true, true],
  ["patch", "plexdhooks/status", true, true],
  ["create", "jobs.batch", true, true],
  ["get", "jobs.batch", true, true],
  ["list", "jobs.batch", true, true],
  ["watch", "jobs.batch", true, true],
  // Removing plexd-hook's finalizer (the plexd-hook-job-updates policy allows nothing else).
  ["patch", "jobs.batch", true, true],
  // blockOwnerDeletion, Events, exit codes and pod troubles, status.output: both.
  ["update", "plexdhooks/finalizers", true, true],
  ["create", "events", true, true],
  ["list", "events", true, true],
  ["get", "pods", true, true],
  ["list", "pods", true, true],
  ["get", "pods/log", true, true],
  // The fleet controller only: the agents' pods watched, its two Leases, Nodes read.
  ["watch", "pods", false, true],
  ["create", "leases.coordination.k8s.io", false, true],
  ["get", "leases.coordination.k8s.io#plexd-hook-fleet", false, true],
  ["update", "leases.coordination.k8s.io#plexd-hook-fleet", false, true],
  ["watch", "leases.coordination.k8s.io#plexd-hook-fleet", false, true],
  ["get", "leases.coordination.k8s.io#plexd-hook-all-nodes", false, true],
  ["update", "leases.coordination.k8s.io#plexd-hook-all-nodes", false, true],
  ["list", "nodes", false, true],
  ["get", "nodes", false, true],
  ["watch", "nodes", false, true],
  // The fleet controller runs PlexdRollouts (rollout-rbac.yaml): it creates their hooks, privileged ones
  // included, after policy plexd-hook-rollouts checked their authors.
  ["create", "plexdhooks", false, true],
  ["use", "plexdhooks/privileged", false, true],
  ["use", "plexdhooks/control-plane", false, true],
  ["watch", "plexdrollouts", false, true],
  ["patch", "plexdrollouts/status", false, true],
  ["update", "plexdrollouts/finalizers", false, true],
  ["patch", "plexdrollouts", false, false],
  ["create", "plexdrollouts", false, false],
  // Neither.
  ["get", "leases.coordination.k8s.io#plexd-hook-untargeted", false, false],
  ["update", "plexdhooks", false, false],
  ["patch", "plexdhooks", false, false],
  ["delete", "plexdhooks", false, false],
  ["delete", "jobs.batch", false, false],
  ["update", "jobs.batch", false, false],
  ["get", "secrets", false, false],
  ["list", "secrets", false, false],
  ["create", "pods", false, false],
  ["delete", "pods", false, false],
  // Drains (plexd-hook-drain): the fleet controller evicts pods and cordons nodes, the agents never.
  ["create", "pods/eviction", false, true],
  ["delete", "leases.coordination.k8s.io", false, false],
  ["get", "leases.coordination.k8s.io#kube-controller-manager", false, false],
  ["update", "leases.coordination.k8s.io#kube-scheduler", false, false],
  ["watch", "leases.coordination.k8s.io#kube-scheduler", false, false],
  ["update", "nodes", false, false],
  ["patch", "nodes", false, true],
  ["create", "rolebindings.rbac.authorization.k8s.io", false, false],
];

test.each(table)("can-i %s %s: plexd %p, plexd-cluster %p", async (verb, resource, plexd, cluster) => {
  expect([await canI(verb, resource, OPERATOR_ACCOUNT), await canI(verb, resource, CLUSTER_ACCOUNT)]).toEqual([plexd, cluster]);
});

describe("plexd-hook-reader bound to a user", () => {
  let reader: string;
  const asReader = (args: string[], stdin?: string) => env.cluster.kubectl(args, { kubeconfig: reader, stdin });

  beforeAll(async () => {
    await env.k(["apply", "-f", "-"], hookYaml("watched", NS, { hookName: "watched", nodeName: "node-c" }));
    await env.k(["create", "clusterrolebinding", "e2e-rbac-reader", "--clusterrole=plexd-hook-reader", "--user=reader"]);
    reader = await env.cluster.kubeconfigFor("reader");
    // The authorizer learns of new bindings through a watch: wait until it has.
    await waitFor("the reader binding to take effect", () => canI("list", "plexdhooks", undefined, reader), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
  });

  test("lists hooks in every namespace with kubectl get ph -A", async () => {
    const result = await asReader(["get", "ph", "-A"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${NS}\\s+watched\\s+watched\\s`, "m"));
  });

  test("reads one hook with kubectl get ph <name> -o yaml", async () => {
    const result = await asReader(["get", "ph", "watched", "-n", NS, "-o", "yaml"]);
    expect(result.code).toBe(0);
    expect(parse(result.stdout).spec).toMatchObject({ hookName: "watched", nodeName: "node-c" });
  });

  test.each(["get", "list", "watch"])("may %s plexdhooks", async (verb) => {
    expect(await canI(verb, "plexdhooks", undefined, reader)).toBe(true);
  });

  // The seed gives the reader plexdhooks get/list/watch and nothing else, not even the status subresource.
  const forbidden: Array<[string, string[], string | undefined, string]> = [
    [
      "create a PlexdHook",
      ["create", "-f", "-"],
      hookYaml("by-reader", NS, { hookName: "x" }),
      'cannot create resource "plexdhooks"',
    ],
    ["delete a PlexdHook", ["delete", "ph", "watched", "-n", NS], undefined, 'cannot delete resource "plexdhooks"'],
    ["list Jobs", ["get", "jobs", "-n", NS], undefined, 'cannot list resource "jobs" in API group "batch"'],
    [
      "read the status subresource",
      ["get", "ph", "watched", "-n", NS, "--subresource=status"],
      undefined,
      'cannot get resource "plexdhooks/status"',
    ],
    [
      "patch the status",
      [
        "patch",
        "ph",
        "watched",
        "-n",
        NS,
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status: { phase: "Failed" } }),
      ],
      undefined,
      '"plexdhooks/status"',
    ],
  ];
  test.each(forbidden)("is forbidden to %s", async (_what, args, stdin, expected) => {
    const result = await asReader(args, stdin);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Forbidden");
    expect(result.stderr).toContain(expected);
  });

  test("left the hook as it was", async () => {
    const hook = await env.json(["get", "ph", "watched", "-n", NS]);
    expect(hook.status?.phase).toBeUndefined();
  });
});

describe("a node agent on node-b with its pod-bound token (ClusterRole plexd), and the fleet controller (ClusterRole plexd-cluster)", () => {
  const phaseOf = async (name: string) => (await env.json(["get", "ph", name, "-n", NS])).status?.phase as string | undefined;
  const hooks: Array<[string, Record<string, unknown>, string]> = [
    ["targeted", { hookName: "targeted", nodeName: "node-b" }, "Succeeded"],
    // The fleet controller assigns it (its Lease, Nodes and the agents' pods); node-b's agent runs it.
    ["untargeted", { hookName: "untargeted" }, "Succeeded"],
    // Needs pods get/list, to put the container's exit code in the message.
    ["failing", { hookName: "failing", nodeName: "node-b", jobTemplate: { image: "plexd.test/fail-exit-3" } }, "Failed"],
  ];
  /** A stand-in for the DaemonSet's pod on node-b, which the fleet controller counts as node-b's agent. */
  const agentPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "agent-node-b", namespace: NS, labels: { "plexd.test/agent": "rbac" } },
    spec: { nodeName: "node-b", containers: [{ name: "agent", image: "plexd.test/sleep" }] },
  };
  let stderr: string[] = [];
  let exitCode: number | undefined;

  beforeAll(async () => {
    await env.k(["apply", "-f", "-"], JSON.stringify(agentPod));
    const kubeconfig = await env.nodeKubeconfig("node-b");
    const fleetArgs = [
      "fleet",
      "--kubeconfig",
      env.operatorKubeconfig,
      "--namespace",
      NS,
      "--agent-selector",
      "plexd.test/agent=rbac",
    ];
    const fleet = startOperator(fleetArgs);
    const operator = startOperator(["--kubeconfig", kubeconfig, "--namespace", NS, "--node-name", "node-b"]);
    try {
      await Promise.all([fleet.waitReady(), operator.waitReady()]);
      for (const [name, spec] of hooks) await env.k(["apply", "-f", "-"], hookYaml(name, NS, spec));
      for (const [name, , phase] of hooks)
        await waitFor(`${name} to reach ${phase}`, async () => (await phaseOf(name)) === phase, {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
    } finally {
      exitCode = Math.max(await operator.stop(), await fleet.stop());
      stderr = [...operator.stderr, ...fleet.stderr];
    }
  }, 90_000);

  test.each(hooks)("runs the %s hook to its end", async (name, _spec, phase) => {
    const hook = await env.json(["get", "ph", name, "-n", NS]);
    expect(hook.status).toMatchObject({ phase, jobName: `plexdhook-${name}`, nodeName: "node-b" });
  });

  test("puts the failed container's exit code in the message (pods get/list)", async () => {
    expect((await env.json(["get", "ph", "failing", "-n", NS])).status.message).toContain("exited with code 3");
  });

  test("records the transitions as Events on the hooks (events create)", async () => {
    const events = await env.json(["get", "events", "-n", NS, "--field-selector", "involvedObject.kind=PlexdHook"]);
    const reasons = events.items.map((e: any) => `${e.involvedObject.name}/${e.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining(["targeted/JobCreated", "targeted/HookSucceeded", "untargeted/HookSucceeded", "failing/HookFailed"]),
    );
  });

  test("both log nothing forbidden and exit 0 on SIGTERM", () => {
    expect(stderr.filter((line) => /forbidden/i.test(line))).toEqual([]);
    expect(exitCode).toBe(0);
  });

  test("got no 403 from the API server (RBAC or admission policy), as its audit log shows", () => {
    const ours = [OPERATOR_ACCOUNT, CLUSTER_ACCOUNT];
    const denials = readAuditLog(env.cluster.auditLogPath as string)
      .filter((e) => ours.includes(e.user?.username as string) && e.responseStatus?.code === 403)
      .filter((e) => e.objectRef?.namespace === NS || e.objectRef?.resource === "nodes")
      .map((e) => `${e.user?.username} ${e.verb} ${e.requestURI}`);
    expect(denials).toEqual([]);
  });
});

describe("the operator without any permission", () => {
  test("exits non-zero with one 'error: forbidden:' line that names plexdhooks", async () => {
    const nobody = await env.cluster.kubeconfigFor("nobody");
    const operator = startOperator(["--kubeconfig", nobody, "--namespace", NS, "--node-name", "node-b"]);
    try {
      // A deadline, not a wait: the operator must exit by itself within 20 s.
      const code = await Promise.race([operator.exited, Bun.sleep(20_000).then(() => "still running after 20 s")]);
      expect(code).not.toBe(0);
      const errors = operator.stderr.filter((line) => line.startsWith("error: forbidden:"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('User "nobody" cannot list resource "plexdhooks"');
      expect(errors[0]).toContain("plexd ClusterRole");
      expect(operator.stderr.filter((line) => line.startsWith("error:"))).toEqual(errors);
    } finally {
      if (operator.proc.exitCode === null) await operator.stop();
    }
  }, 30_000);

  // Running against a cluster without the CRD would break every other suite on this shared control
  // plane; another test covers that case.
});
