// plexd-hook-job-updates on the real API server: the accounts may only remove plexd-hook's finalizer, a node token only on its node's Jobs.

import { beforeAll, expect, test } from "bun:test";
import { JOB_FINALIZER } from "../../lib/constants.ts";
import { buildJob } from "../../lib/core/build-job.ts";
import { hookYaml, INSTALL_NAMESPACE, type Setup, sharedCluster } from "./support/cluster.ts";

const NS = "e2e-job-updates";
const POLICY = "ValidatingAdmissionPolicy 'plexd-hook-job-updates' with binding 'plexd-hook-job-updates' denied request: ";
const ONLY = "plexd-hook's accounts change a Job only to remove the finalizer plexd.plexsphere.com/outcome";
let env: Setup;
const kubeconfigs: Record<string, string> = {};

/** The JSON patch the controllers send: test the entry, then remove it. */
const release = JSON.stringify([
  { op: "test", path: "/metadata/finalizers/0", value: JOB_FINALIZER },
  { op: "remove", path: "/metadata/finalizers/0" },
]);

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  // A hook and its Job (made by the builder, with the finalizer) on node-a and on node-b.
  for (const node of ["node-a", "node-b"]) {
    const name = `on-${node}`;
    await env.k(["apply", "-f", "-"], hookYaml(name, NS, { hookName: name, nodeName: node }));
    const hook = await env.json(["get", "plexdhook", name, "-n", NS]);
    await env.k(["create", "-f", "-"], JSON.stringify(buildJob(hook, node, { finalizer: true })));
  }
  kubeconfigs["node-a"] = await env.nodeKubeconfig("node-a");
  kubeconfigs["no node"] = env.tokenKubeconfig(
    "job-updates-no-node.kubeconfig",
    (await env.k(["create", "token", "plexd", "-n", INSTALL_NAMESPACE])).trim(),
  );
  kubeconfigs["plexd-cluster"] = env.operatorKubeconfig;
}, 600_000);

const ALLOWED = "allowed";
// [token, the Job's node, what, patch type, patch, ALLOWED or the start of the policy's message]
const rows: Array<[string, string, string, string, string, string]> = [
  ["node-a", "node-a", "removing the finalizer", "json", release, ALLOWED],
  [
    "node-a",
    "node-b",
    "removing the finalizer",
    "json",
    release,
    "a plexd token bound to node node-a may change only the Jobs pinned to that node, and Job plexdhook-on-node-b is pinned to node-b",
  ],
  ["node-a", "node-a", "suspending it", "merge", '{"spec":{"suspend":true}}', `spec: ${ONLY}`],
  ["node-a", "node-a", "cutting its deadline", "merge", '{"spec":{"activeDeadlineSeconds":1}}', `spec: ${ONLY}`],
  [
    "node-a",
    "node-a",
    "relabelling it away from its agent",
    "merge",
    '{"metadata":{"labels":{"plexd.plexsphere.com/node":"elsewhere"}}}',
    `metadata.labels: ${ONLY}`,
  ],
  ["node-a", "node-a", "annotating it", "merge", '{"metadata":{"annotations":{"note":"x"}}}', `metadata.annotations: ${ONLY}`],
  ["node-a", "node-a", "orphaning it", "merge", '{"metadata":{"ownerReferences":null}}', `metadata.ownerReferences: ${ONLY}`],
  [
    "node-a",
    "node-a",
    "swapping the finalizer for another",
    "json",
    '[{"op":"replace","path":"/metadata/finalizers/0","value":"example.com/keep"}]',
    `metadata.finalizers: ${ONLY}`,
  ],
  ["no node", "node-a", "removing the finalizer", "json", release, "this plexd token is not bound to a pod on a node"],
  ["plexd-cluster", "node-b", "removing the finalizer", "json", release, ALLOWED],
  ["plexd-cluster", "node-b", "suspending it", "merge", '{"spec":{"suspend":true}}', `spec: ${ONLY}`],
];

test.each(rows)("a %s token, the Job on %s, %s", async (token, node, _what, type, patch, expected) => {
  const args = ["patch", "job", `plexdhook-on-${node}`, "-n", NS, `--type=${type}`, "-p", patch, "--dry-run=server"];
  const result = await env.cluster.kubectl(args, { kubeconfig: kubeconfigs[token] });
  if (expected === ALLOWED) {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  } else {
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(POLICY + expected);
  }
});

test("the dry runs left both Jobs holding the finalizer", async () => {
  for (const node of ["node-a", "node-b"]) {
    expect((await env.json(["get", "job", `plexdhook-on-${node}`, "-n", NS])).metadata.finalizers).toEqual([JOB_FINALIZER]);
  }
});
