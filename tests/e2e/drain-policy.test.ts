// The drain's rights on the real API server: what plexd-cluster gained (and plexd did not), and the
// admission policies that hold those rights to a cordon, our annotation and our finalizer.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { grantDrainFinalizer } from "./support/drain.ts";

const NS = "e2e-drain-policy";
const CLUSTER = "system:serviceaccount:plexd-system:plexd-cluster";
const AGENT = "system:serviceaccount:plexd-system:plexd";
const NODE = "node-a";
let env: Setup;

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  await grantDrainFinalizer(env, NS);
  await env.k(["apply", "-f", "-"], hookYaml("h", NS, { hookName: "h", nodeName: NODE, drain: { enabled: true } }));
}, 600_000);

afterAll(async () => {
  await env.tryK([
    "patch",
    "node",
    NODE,
    "--type=merge",
    "-p",
    '{"spec":{"unschedulable":null},"metadata":{"annotations":{"plexd.plexsphere.com/cordoned-by":null}}}',
  ]);
});

async function canI(as: string, verb: string, resource: string, namespace?: string): Promise<boolean> {
  const [type, subresource] = resource.split("/");
  const args = ["auth", "can-i", verb, type as string, `--as=${as}`, ...(namespace ? ["-n", namespace] : ["--all-namespaces"])];
  if (subresource) args.push(`--subresource=${subresource}`);
  const result = await env.tryK(args);
  if (result.code > 1) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim() === "yes";
}

describe("can-i: the drain's rights belong to plexd-cluster alone", () => {
  test.each<[string, string, string | undefined, boolean, boolean]>([
    // verb, resource, namespace (none: cluster-wide), plexd-cluster, plexd
    ["patch", "nodes", undefined, true, false],
    ["update", "nodes", undefined, false, false],
    ["delete", "nodes", undefined, false, false],
    ["list", "pods", undefined, true, false],
    ["create", "pods/eviction", "kube-system", true, false],
    ["create", "pods/eviction", NS, true, false],
    ["delete", "pods", "kube-system", false, false],
    ["patch", "plexdhooks.plexd.plexsphere.com", NS, true, false],
    ["patch", "plexdhooks.plexd.plexsphere.com", "kube-system", false, false],
    ["delete", "plexdhooks.plexd.plexsphere.com", NS, false, false],
  ])("%s %s in %p: plexd-cluster %p, plexd %p", async (verb, resource, namespace, cluster, agent) => {
    expect(await canI(CLUSTER, verb, resource, namespace)).toBe(cluster);
    expect(await canI(AGENT, verb, resource, namespace)).toBe(agent);
  });
});

/**
 * A merge patch of the Node with plexd-cluster's token, sent as the fleet controller sends it: kubectl
 * patch would first GET the Node, which the account may not.
 */
async function patchNodeAsCluster(patch: object): Promise<{ code: number; stderr: string }> {
  const token = /token: (\S+)/.exec(await Bun.file(env.operatorKubeconfig).text())?.[1];
  const response = await fetch(`${env.cluster.server}/api/v1/nodes/${NODE}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/merge-patch+json" },
    body: JSON.stringify(patch),
    tls: { ca: Bun.file(env.cluster.caFile) },
  });
  const body = await response.text();
  return { code: response.ok ? 0 : response.status, stderr: response.ok ? "" : body };
}

describe("plexd-hook-drain-nodes: plexd-cluster's Node patches cordon and annotate, nothing else", () => {
  const asCluster = patchNodeAsCluster;

  test.each<[string, object, string | undefined]>([
    [
      "a cordon with our annotation naming a hook",
      { spec: { unschedulable: true }, metadata: { annotations: { "plexd.plexsphere.com/cordoned-by": `${NS}/h` } } },
      undefined,
    ],
    [
      "an uncordon that removes our annotation",
      { spec: { unschedulable: false }, metadata: { annotations: { "plexd.plexsphere.com/cordoned-by": null } } },
      undefined,
    ],
    ["a label", { metadata: { labels: { stolen: "yes" } } }, "may not change a Node's labels"],
    [
      "another annotation",
      { metadata: { annotations: { "example.com/x": "y" } } },
      "only the plexd.plexsphere.com/cordoned-by annotation",
    ],
    [
      "our annotation not naming a hook",
      { metadata: { annotations: { "plexd.plexsphere.com/cordoned-by": "not a hook" } } },
      "names a hook: namespace/name",
    ],
    ["a taint", { spec: { taints: [{ key: "stolen", effect: "NoSchedule" }] } }, "only spec.unschedulable"],
    ["a providerID", { spec: { providerID: "kwok://stolen" } }, "only spec.unschedulable"],
  ])("%s: %p", async (_, patch, refusal) => {
    const result = await asCluster(patch);
    if (refusal === undefined) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    } else {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("plexd-hook-drain-nodes");
      expect(result.stderr).toContain(refusal);
    }
  });
});

describe("plexd-hook-drain-finalizer: plexd-cluster patches a hook only for the drain's finalizer", () => {
  const asCluster = (patch: object) =>
    env.cluster.kubectl(["patch", "plexdhook", "h", "-n", NS, "--type=merge", "-p", JSON.stringify(patch)], {
      kubeconfig: env.operatorKubeconfig,
    });

  test("adding and removing plexd.plexsphere.com/drain is allowed", async () => {
    expect((await asCluster({ metadata: { finalizers: ["plexd.plexsphere.com/drain"] } })).code).toBe(0);
    expect((await asCluster({ metadata: { finalizers: null } })).code).toBe(0);
  });

  test.each<[string, object]>([
    ["another finalizer", { metadata: { finalizers: ["example.com/keep"] } }],
    ["a label", { metadata: { labels: { moved: "yes" } } }],
    ["an annotation", { metadata: { annotations: { moved: "yes" } } }],
  ])("%s is refused", async (_, patch) => {
    const result = await asCluster(patch);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("may change a PlexdHook only to add or remove the plexd.plexsphere.com/drain finalizer");
  });
});

test("plexd-hook-drain-status: a node agent's token may not mark its hook's drain Complete", async () => {
  const kubeconfig = await env.nodeKubeconfig(NODE);
  const patch = JSON.stringify({ status: { phase: "Pending", drain: { stage: "Complete", nodeName: NODE } } });
  const result = await env.cluster.kubectl(
    ["patch", "plexdhook", "h", "-n", NS, "--subresource=status", "--type=merge", "-p", patch],
    {
      kubeconfig,
    },
  );
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain("a node agent (plexd) may not write status.drain");
  // The same token may still write the rest of the status of a hook on its node.
  const phase = await env.cluster.kubectl(
    ["patch", "plexdhook", "h", "-n", NS, "--subresource=status", "--type=merge", "-p", '{"status":{"phase":"Pending"}}'],
    { kubeconfig },
  );
  expect(phase.stderr).toBe("");
});

describe("the CRD's spec.drain", () => {
  test.each<[string, object, string]>([
    ["enabled is required", {}, "spec.drain.enabled: Required value"],
    [
      "In needs values",
      { enabled: true, podSelector: { matchExpressions: [{ key: "app", operator: "In" }] } },
      "In and NotIn need at least one value",
    ],
    [
      "Exists takes none",
      { enabled: true, podSelector: { matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] } },
      "Exists and DoesNotExist take none",
    ],
    ["uncordon is IfCordonedByUs or Never", { enabled: true, uncordon: "Always" }, 'Unsupported value: "Always"'],
  ])("%s", async (_, drain, message) => {
    const result = await env.tryK(["apply", "-f", "-"], hookYaml("bad-drain", NS, { hookName: "x", nodeName: NODE, drain }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  test("defaults timeoutSeconds to 600, deleteEmptyDirData to false and uncordon to IfCordonedByUs", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("defaults", NS, { hookName: "x", nodeName: "node-zzz", drain: { enabled: true } }),
    );
    const hook = await env.json(["get", "plexdhook", "defaults", "-n", NS]);
    expect(hook.spec.drain).toEqual({
      enabled: true,
      timeoutSeconds: 600,
      deleteEmptyDirData: false,
      uncordon: "IfCordonedByUs",
    });
  });
});
