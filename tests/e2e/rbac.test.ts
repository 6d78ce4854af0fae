// Least privilege, proven against the real RBAC: ClusterRoles plexd and plexd-hook-reader, and the operator run under them.

import { beforeAll, describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { readAuditLog } from "../cluster/audit.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { startOperator } from "./support/operator.ts";

const NS = "e2e-rbac";
const OPERATOR_ACCOUNT = "system:serviceaccount:plexd-system:plexd";
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

describe("the plexd ServiceAccount", () => {
  const allowed: Array<[string, string]> = [
    ["get", "plexdhooks"],
    ["list", "plexdhooks"],
    ["watch", "plexdhooks"],
    ["get", "plexdhooks/status"],
    ["update", "plexdhooks/status"],
    ["patch", "plexdhooks/status"],
    ["update", "plexdhooks/finalizers"],
    ["create", "jobs.batch"],
    ["get", "jobs.batch"],
    ["list", "jobs.batch"],
    ["watch", "jobs.batch"],
    ["create", "events"],
    ["list", "events"],
    ["get", "leases.coordination.k8s.io#plexd-hook-untargeted"],
    ["create", "leases.coordination.k8s.io"],
    ["update", "leases.coordination.k8s.io#plexd-hook-untargeted"],
    ["watch", "leases.coordination.k8s.io#plexd-hook-untargeted"],
    ["get", "leases.coordination.k8s.io#plexd-hook-all-nodes"],
    ["update", "leases.coordination.k8s.io#plexd-hook-all-nodes"],
    ["list", "nodes"],
    ["get", "pods"],
    ["list", "pods"],
    ["get", "pods/log"],
  ];
  test.each(allowed)("can %s %s", async (verb, resource) => {
    expect(await canI(verb, resource, OPERATOR_ACCOUNT)).toBe(true);
  });

  const denied: Array<[string, string]> = [
    ["create", "plexdhooks"],
    ["update", "plexdhooks"],
    ["patch", "plexdhooks"],
    ["delete", "plexdhooks"],
    ["delete", "jobs.batch"],
    ["update", "jobs.batch"],
    ["get", "secrets"],
    ["list", "secrets"],
    ["create", "pods"],
    ["delete", "pods"],
    ["delete", "leases.coordination.k8s.io"],
    ["get", "leases.coordination.k8s.io#kube-controller-manager"],
    ["update", "leases.coordination.k8s.io#kube-scheduler"],
    ["update", "nodes"],
    ["get", "nodes"],
    ["watch", "leases.coordination.k8s.io#kube-scheduler"],
    ["create", "rolebindings.rbac.authorization.k8s.io"],
  ];
  test.each(denied)("cannot %s %s", async (verb, resource) => {
    expect(await canI(verb, resource, OPERATOR_ACCOUNT)).toBe(false);
  });
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

describe("the operator as the DaemonSet's pod on node-b: its pod-bound token, ClusterRole plexd through a RoleBinding", () => {
  const phaseOf = async (name: string) => (await env.json(["get", "ph", name, "-n", NS])).status?.phase as string | undefined;
  const hooks: Array<[string, Record<string, unknown>, string]> = [
    ["targeted", { hookName: "targeted", nodeName: "node-b" }, "Succeeded"],
    // Needs the Lease that elects the controller for untargeted hooks.
    ["untargeted", { hookName: "untargeted" }, "Succeeded"],
    // Needs pods get/list, to put the container's exit code in the message.
    ["failing", { hookName: "failing", nodeName: "node-b", jobTemplate: { image: "plexd.test/fail-exit-3" } }, "Failed"],
  ];
  let stderr: string[] = [];
  let exitCode: number | undefined;

  beforeAll(async () => {
    const kubeconfig = await env.nodeKubeconfig("node-b");
    const operator = startOperator(["--kubeconfig", kubeconfig, "--namespace", NS, "--node-name", "node-b"]);
    try {
      await operator.waitReady();
      for (const [name, spec] of hooks) await env.k(["apply", "-f", "-"], hookYaml(name, NS, spec));
      for (const [name, , phase] of hooks)
        await waitFor(`${name} to reach ${phase}`, async () => (await phaseOf(name)) === phase, {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
    } finally {
      exitCode = await operator.stop();
      stderr = operator.stderr;
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

  test("logs nothing forbidden and exits 0 on SIGTERM", () => {
    expect(stderr.filter((line) => /forbidden/i.test(line))).toEqual([]);
    expect(exitCode).toBe(0);
  });

  test("got no 403 from the API server, as its audit log shows", () => {
    const denials = readAuditLog(env.cluster.auditLogPath as string)
      .filter((e) => e.user?.username === OPERATOR_ACCOUNT && e.objectRef?.namespace === NS && e.responseStatus?.code === 403)
      .map((e) => `${e.verb} ${e.requestURI}`);
    expect(denials).toEqual([]);
  });
});

describe("the operator without any permission", () => {
  test("exits non-zero with one 'error: forbidden:' line that names plexdhooks", async () => {
    const nobody = await env.cluster.kubeconfigFor("nobody");
    const operator = startOperator(["--kubeconfig", nobody, "--namespace", NS, "--node-name", "node-b"]);
    try {
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
