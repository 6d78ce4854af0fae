// plexd-hook-status on the real API server: a node-a token writes the status of node-a's hooks only, and never moves an untargeted one.

import { beforeAll, expect, test } from "bun:test";
import { hookYaml, INSTALL_NAMESPACE, type Setup, sharedCluster } from "./support/cluster.ts";

const NS = "e2e-status-policy";
const POLICY = "ValidatingAdmissionPolicy 'plexd-hook-status' with binding 'plexd-hook-status' denied request: ";
let env: Setup;
const kubeconfigs: Record<string, string> = {};

/** [name, spec.nodeName, status.nodeName as the fleet controller assigned it] */
const HOOKS: Array<[string, string, string]> = [
  ["on-a", "node-a", ""],
  ["on-b", "node-b", ""],
  ["assigned-a", "", "node-a"],
  ["assigned-b", "", "node-b"],
  ["unassigned", "", ""],
];

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  for (const [name, target, assigned] of HOOKS) {
    await env.k(["apply", "-f", "-"], hookYaml(name, NS, { hookName: name, ...(target && { nodeName: target }) }));
    if (assigned) {
      const status = { status: { nodeName: assigned, phase: "Pending" } };
      await env.k(["patch", "plexdhook", name, "-n", NS, "--subresource=status", "--type=merge", "-p", JSON.stringify(status)]);
    }
  }
  kubeconfigs["node-a"] = await env.nodeKubeconfig("node-a");
  kubeconfigs["no node"] = env.tokenKubeconfig(
    "status-no-node.kubeconfig",
    (await env.k(["create", "token", "plexd", "-n", INSTALL_NAMESPACE])).trim(),
  );
  kubeconfigs["plexd-cluster"] = env.operatorKubeconfig;
}, 600_000);

const ALLOWED = "allowed";
// [token, hook, the status patch, ALLOWED or the start of the policy's message]
const rows: Array<[string, string, object, string]> = [
  ["node-a", "on-a", { status: { phase: "Running" } }, ALLOWED],
  ["node-a", "on-a", { status: { phase: "Running", nodeName: "node-a" } }, ALLOWED],
  ["node-a", "assigned-a", { status: { phase: "Succeeded" } }, ALLOWED],
  [
    "node-a",
    "on-b",
    { status: { phase: "Succeeded" } },
    "a plexd token bound to node node-a may write the status only of hooks on that node, and hook on-b is aimed at node node-b (spec.nodeName)",
  ],
  [
    "node-a",
    "on-b",
    // The status subresource keeps the stored spec: a spec in the same request changes nothing.
    { spec: { nodeName: "node-a" }, status: { phase: "Succeeded" } },
    "a plexd token bound to node node-a may write the status only of hooks on that node, and hook on-b is aimed at node node-b (spec.nodeName)",
  ],
  [
    "node-a",
    "assigned-b",
    { status: { phase: "Failed" } },
    "a plexd token bound to node node-a may write the status only of hooks on that node, and hook assigned-b is assigned to node node-b (status.nodeName)",
  ],
  [
    "node-a",
    "unassigned",
    { status: { nodeName: "node-a", phase: "Pending" } },
    "a plexd token bound to node node-a may write the status only of hooks on that node, and hook unassigned is not assigned to a node yet (the fleet controller assigns it)",
  ],
  [
    "node-a",
    "assigned-a",
    { status: { nodeName: "node-b" } },
    "status.nodeName: the fleet controller assigns an untargeted hook to a node; a node agent may not set, change or clear that (from node-a to node-b)",
  ],
  [
    "node-a",
    "assigned-a",
    { status: { nodeName: null } },
    "status.nodeName: the fleet controller assigns an untargeted hook to a node; a node agent may not set, change or clear that (from node-a to none)",
  ],
  [
    "node-a",
    "on-a",
    { status: { nodeName: "node-b" } },
    "status.nodeName: a hook aimed at node node-a runs there, so its status.nodeName is node-a, not node-b",
  ],
  [
    "no node",
    "on-a",
    { status: { phase: "Running" } },
    "this plexd token is not bound to a pod on a node (its user has no authentication.kubernetes.io/node-name), so it may write no hook status",
  ],
  // The fleet controller's account assigns hooks: the policy does not hold it.
  ["plexd-cluster", "unassigned", { status: { nodeName: "node-c", phase: "Pending" } }, ALLOWED],
  ["plexd-cluster", "assigned-b", { status: { nodeName: "node-c" } }, ALLOWED],
];

test.each(rows)("a %s token patching the status of %s with %j: %s", async (token, hook, patch, expected) => {
  const args = ["patch", "plexdhook", hook, "-n", NS, "--subresource=status", "--type=merge", "-p", JSON.stringify(patch)];
  const result = await env.cluster.kubectl([...args, "--dry-run=server"], { kubeconfig: kubeconfigs[token] });
  if (expected === ALLOWED) {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  } else {
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(POLICY + expected);
  }
});

test("a whole-status update (PUT) is held like a patch", async () => {
  const hook = await env.json(["get", "plexdhook", "on-b", "-n", NS]);
  hook.status = { phase: "Succeeded", nodeName: "node-b" };
  const args = ["replace", "--subresource=status", "--dry-run=server", "-f", "-"];
  const result = await env.cluster.kubectl(args, { kubeconfig: kubeconfigs["node-a"], stdin: JSON.stringify(hook) });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(`${POLICY}a plexd token bound to node node-a may write the status only of hooks on that node`);
});

test("the dry runs left every hook as it was", async () => {
  const stored = await Promise.all(HOOKS.map(async ([name]) => (await env.json(["get", "plexdhook", name, "-n", NS])).status));
  expect(stored.map((s) => s?.nodeName ?? "")).toEqual(HOOKS.map(([, , assigned]) => assigned));
});
