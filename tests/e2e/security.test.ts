// Least privilege and the author opt-ins, proven by the real API server: can-i tables, opt-ins, Pod Security, control-plane nodes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { buildJob } from "../../lib/core/build-job.ts";
import type { PlexdHook } from "../../lib/core/types.ts";
import { waitFor } from "../cluster/wait.ts";
import { seedSpec } from "../support/seed.ts";
import { hookYaml, INSTALL_NAMESPACE, type Setup, sharedCluster } from "./support/cluster.ts";
import { startOperator } from "./support/operator.ts";

const NS = "e2e-security";
/** A namespace the operator's accounts have no RoleBinding in. */
const OTHER = "e2e-security-other";
const PLEXD = `system:serviceaccount:${INSTALL_NAMESPACE}:plexd`;
const PLEXD_CLUSTER = `system:serviceaccount:${INSTALL_NAMESPACE}:plexd-cluster`;
let env: Setup;

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  await env.k(["create", "namespace", OTHER]);
}, 600_000);

/** `kubectl auth can-i` as `as` ("resource/subresource" allowed): "-A" checks every namespace, "" a cluster-scoped resource. */
async function canI(as: string, verb: string, resource: string, namespace: string): Promise<boolean> {
  const where = namespace === "-A" ? ["-A"] : namespace ? ["-n", namespace] : [];
  const [type, subresource] = resource.split("/");
  const sub = subresource ? [`--subresource=${subresource}`] : [];
  const result = await env.tryK(["auth", "can-i", verb, type as string, ...sub, `--as=${as}`, ...where]);
  if (result.code > 1) throw new Error(`kubectl auth can-i failed: ${result.stderr}`);
  return result.stdout.trim() === "yes";
}

describe("kubectl auth can-i --as the operator's accounts (RoleBindings in the hooks' namespace only)", () => {
  // [verb, resource, namespace, plexd (node agents), plexd-cluster (fleet controller, cluster mode)]
  const table: Array<[string, string, string, boolean, boolean]> = [
    ["create", "jobs.batch", INSTALL_NAMESPACE, true, true],
    ["create", "jobs.batch", NS, true, true],
    ["create", "jobs.batch", "kube-system", false, false],
    ["create", "jobs.batch", OTHER, false, false],
    ["create", "jobs.batch", "-A", false, false],
    ["list", "pods", INSTALL_NAMESPACE, true, true],
    // The fleet controller watches the node agents' pods (assignments go to nodes with a ready agent).
    ["watch", "pods", INSTALL_NAMESPACE, false, true],
    // A drain lists the pods on its node in every namespace (plexd-hook-drain); reading them is all it may.
    ["list", "pods", OTHER, false, true],
    ["list", "pods", "kube-system", false, true],
    ["list", "pods", "-A", false, true],
    ["get", "pods", "default", false, false],
    ["list", "plexdhooks.plexd.plexsphere.com", INSTALL_NAMESPACE, true, true],
    ["list", "plexdhooks.plexd.plexsphere.com", OTHER, false, false],
    ["list", "plexdhooks.plexd.plexsphere.com", "-A", false, false],
    ["update", "plexdhooks.plexd.plexsphere.com/status", OTHER, false, false],
    ["create", "events", INSTALL_NAMESPACE, true, true],
    // A repeated Event is one Event whose count a patch raises.
    ["patch", "events", INSTALL_NAMESPACE, true, true],
    ["patch", "events", OTHER, false, false],
    ["patch", "events", "-A", false, false],
    ["create", "events", "kube-system", false, false],
    ["list", "events", OTHER, false, false],
    // Node agents elect nothing; the fleet controller's Leases live in its namespace only.
    ["create", "leases.coordination.k8s.io", INSTALL_NAMESPACE, false, true],
    ["create", "leases.coordination.k8s.io", "kube-system", false, false],
    ["get", "secrets", INSTALL_NAMESPACE, false, false],
    ["create", "pods", INSTALL_NAMESPACE, false, false],
    ["delete", "jobs.batch", INSTALL_NAMESPACE, false, false],
    // Cluster-wide and read-only, for the fleet controller alone (assignment, hostname check, lost nodes).
    ["list", "nodes", "", false, true],
    ["watch", "nodes", "", false, true],
    ["get", "nodes", "", false, true],
    ["update", "nodes", "", false, false],
    ["patch", "nodes/status", "", false, false],
    ["delete", "nodes", "", false, false],
    ["create", "clusterrolebindings.rbac.authorization.k8s.io", "", false, false],
  ];
  test.each(table)("can-i %s %s in %p: plexd %p, plexd-cluster %p", async (verb, resource, namespace, plexd, cluster) => {
    expect([await canI(PLEXD, verb, resource, namespace), await canI(PLEXD_CLUSTER, verb, resource, namespace)]).toEqual([
      plexd,
      cluster,
    ]);
  });
});

describe("the plexd-hook-privileged policy: privileged and control-plane hooks are opt-in", () => {
  let author: string;
  let privilegedAuthor: string;
  let elsewhere: string;
  const create = (kubeconfig: string, name: string, spec: Partial<PlexdHook["spec"]>) =>
    env.cluster.kubectl(["create", "--dry-run=server", "-f", "-"], { kubeconfig, stdin: hookYaml(name, NS, seedSpec(spec)) });

  beforeAll(async () => {
    const bind = (name: string, role: string, user: string, namespace = NS) =>
      env.k(["create", "rolebinding", name, `--clusterrole=${role}`, `--user=${user}`, "-n", namespace]);
    await bind("author", "plexd-hook-author", "author");
    await bind("privileged-author", "plexd-hook-author", "privileged-author");
    await bind("privileged-author-opt-in", "plexd-hook-privileged-author", "privileged-author");
    await bind("elsewhere", "plexd-hook-author", "elsewhere");
    // An opt-in granted in another namespace does not count here.
    await bind("elsewhere-opt-in", "plexd-hook-privileged-author", "elsewhere", OTHER);
    author = await env.cluster.kubeconfigFor("author");
    privilegedAuthor = await env.cluster.kubeconfigFor("privileged-author");
    elsewhere = await env.cluster.kubeconfigFor("elsewhere");
    const may = (user: string) => canI(user, "create", "plexdhooks.plexd.plexsphere.com", NS);
    await waitFor(
      "the bindings to take effect",
      async () =>
        (await may("author")) &&
        (await may("privileged-author")) &&
        (await may("elsewhere")) &&
        (await canI("privileged-author", "use", "plexdhooks.plexd.plexsphere.com/privileged", NS)),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  });

  test("an author without the opt-in creates the seed's example hook", async () => {
    const result = await create(author, "seed-example", {});
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  test.each([
    [
      "a privileged hook",
      { privileged: true },
      "privileged hooks are opt-in: author may not use plexdhooks/privileged in namespace e2e-security; a RoleBinding there to ClusterRole plexd-hook-privileged-author (verb use on plexdhooks/privileged) allows it",
    ],
    [
      "a hook allowed on control-plane nodes",
      { allowControlPlane: true },
      "hooks on control-plane nodes are opt-in: author may not use plexdhooks/control-plane in namespace e2e-security; a RoleBinding there to ClusterRole plexd-hook-privileged-author (verb use on plexdhooks/control-plane) allows it",
    ],
  ])("an author without the opt-in cannot create %s, and is told which grant allows it", async (_what, spec, message) => {
    const result = await create(author, "refused", spec);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("ValidatingAdmissionPolicy 'plexd-hook-privileged'");
    expect(result.stderr).toContain(message);
  });

  test("an opt-in bound in another namespace does not count", async () => {
    const result = await create(elsewhere, "refused", { privileged: true });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("elsewhere may not use plexdhooks/privileged in namespace e2e-security");
  });

  test.each([
    ["an author bound to plexd-hook-privileged-author", () => privilegedAuthor],
    ["a cluster admin, with no extra step", () => env.cluster.kubeconfig],
  ])("%s creates privileged and control-plane hooks", async (_who, kubeconfig) => {
    for (const spec of [{ privileged: true }, { allowControlPlane: true }, { privileged: true, allowControlPlane: true }]) {
      const result = await create(kubeconfig(), "opted-in", spec);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
  });
});

describe("Pod Security: the level a hook's pod meets, checked by server-side dry runs", () => {
  const hook = (privileged: boolean): PlexdHook => ({
    metadata: { name: "pss", namespace: "", uid: "00000000-0000-0000-0000-000000000001" },
    spec: seedSpec({ privileged }),
  });
  /** The Job's pod as the Job controller would create it, in `namespace`. */
  const podOf = (privileged: boolean, namespace: string) => {
    const template = buildJob(hook(privileged), "node-a").spec!.template;
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "pss-check", namespace, labels: template.metadata?.labels },
      spec: template.spec,
    });
  };
  const levels = ["restricted", "baseline"] as const;

  beforeAll(async () => {
    for (const level of levels) {
      await env.namespace(`e2e-pss-${level}`);
      await env.k(["label", "namespace", `e2e-pss-${level}`, `pod-security.kubernetes.io/enforce=${level}`]);
    }
  });

  test("a non-privileged hook's pod meets baseline", async () => {
    const result = await env.tryK(["create", "--dry-run=server", "-f", "-"], podOf(false, "e2e-pss-baseline"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  test("it falls short of restricted only by runAsNonRoot (hook images may run as root)", async () => {
    const result = await env.tryK(["create", "--dry-run=server", "-f", "-"], podOf(false, "e2e-pss-restricted"));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted:latest": runAsNonRoot != true');
    expect(result.stderr).not.toContain("seccompProfile");
    expect(result.stderr).not.toContain("allowPrivilegeEscalation");
    expect(result.stderr).not.toContain("unrestricted capabilities");
  });

  test("a privileged hook's pod meets only the privileged level", async () => {
    const result = await env.tryK(["create", "--dry-run=server", "-f", "-"], podOf(true, "e2e-pss-baseline"));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "baseline:latest": privileged');
  });
});

describe("a control-plane node runs only hooks that opted in", () => {
  const CP_NS = "e2e-security-cp";
  const NODE = "cp-1";
  const phaseAndMessage = async (name: string) => {
    const status = (await env.json(["get", "plexdhook", name, "-n", CP_NS])).status ?? {};
    return `${status.phase} ${status.message ?? ""}`;
  };

  beforeAll(async () => {
    await env.namespace(CP_NS);
    // A kwok node labelled as kubeadm labels its control-plane nodes.
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: NODE,
        labels: { "kubernetes.io/hostname": NODE, "kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": "" },
        annotations: { "kwok.x-k8s.io/node": "fake" },
      },
    };
    await env.k(["apply", "-f", "-"], JSON.stringify(node));
    await env.k(["wait", "--for=condition=Ready", `node/${NODE}`, "--timeout=60s"]);
  }, 90_000);

  afterAll(async () => {
    await env.tryK(["delete", "namespace", CP_NS, "--wait=false"]);
    await env.tryK(["delete", "node", NODE, "--wait=false"]);
  });

  test("a hook without allowControlPlane stays Pending there with the scheduler's reason; one with it succeeds", async () => {
    const operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", CP_NS, "--all-nodes"]);
    try {
      await operator.waitReady();
      await env.k(["apply", "-f", "-"], hookYaml("cp-plain", CP_NS, { hookName: "cp", nodeName: NODE }));
      await env.k(
        ["apply", "-f", "-"],
        hookYaml("cp-opted-in", CP_NS, { hookName: "cp", nodeName: NODE, allowControlPlane: true }),
      );
      await waitFor("the opted-in hook to succeed", async () => (await phaseAndMessage("cp-opted-in")).startsWith("Succeeded"), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      const pending = await waitFor(
        "the plain hook to say why it does not start",
        async () => {
          const now = await phaseAndMessage("cp-plain");
          return now.includes("cannot be scheduled") ? now : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 500 },
      );
      expect(pending).toStartWith("Pending ");
      expect(pending).toContain("didn't match Pod's node affinity/selector");
    } finally {
      expect(await operator.stop()).toBe(0);
    }
  }, 90_000);
});
