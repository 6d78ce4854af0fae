// One writer, quietly: node agents hold no Lease, fleet followers watch the Lease and make no requests, two
// --all-nodes replicas write as one, and the fleet controller reports hooks whose node was lost.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FLEET_LEASE_NAME } from "../../lib/constants.ts";
import { readAuditLog } from "../cluster/audit.ts";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from "../cluster/components.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, INSTALL_NAMESPACE, type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";

let env: Setup;
const operators: Operator[] = [];

function operator(namespace: string, ...args: string[]): Operator {
  const op = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", namespace, ...args]);
  operators.push(op);
  return op;
}

const getHook = (ns: string, name: string) => env.json(["get", "plexdhook", name, "-n", ns]);
const jobsIn = async (ns: string) => (await env.json(["get", "jobs", "-n", ns])).items as any[];
const created = (op: Operator): string[] => op.logs.filter((l) => l.msg === "plexdhook job created").map((l) => String(l.hook));

async function leaderOf(ops: Operator[]): Promise<Operator> {
  return waitFor(
    "exactly one Lease holder",
    async () => {
      const flags = await Promise.all(ops.map((op) => op.metric("plexd_hook_leader")));
      return flags.filter((f) => f === 1).length === 1 ? ops[flags.indexOf(1)] : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

async function withJob(ns: string, name: string): Promise<any> {
  return waitFor(`${name}'s Job`, async () => (await getHook(ns, name)).status?.jobName && (await getHook(ns, name)), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

beforeAll(async () => {
  env = await sharedCluster();
}, 600_000);

afterAll(async () => {
  await Promise.all(operators.map((op) => op.stop()));
});

describe("at idle", () => {
  const NS = "e2e-idle";
  test("three node agents and two fleet replicas at idle: agents make no request, no Lease is read, only the holder renews", async () => {
    await env.namespace(NS);
    const agents = ["node-a", "node-b", "node-c"].map((node) => operator(NS, "--node-name", node));
    const fleet = [operator(NS, "fleet", "--agent-selector="), operator(NS, "fleet", "--agent-selector=")];
    await Promise.all([...agents, ...fleet].map((op) => op.waitReady()));
    await leaderOf(fleet);
    for (const agent of agents) expect(await agent.metric("plexd_hook_leader")).toBe(0);
    const from = Date.now();
    // The measured window: every request the fleet makes at idle in 20 s.
    await Bun.sleep(20_000);
    const to = Date.now();
    const requests = readAuditLog(env.cluster.auditLogPath as string)
      .filter((e) => e.stage === "ResponseComplete" && e.user?.username === "system:serviceaccount:plexd-system:plexd-cluster")
      .filter((e) => (e.objectRef?.namespace === NS || e.objectRef?.resource === "nodes") && e.verb !== "watch")
      .filter((e) => Date.parse(e.requestReceivedTimestamp) >= from && Date.parse(e.requestReceivedTimestamp) <= to);
    const leases = requests.filter((e) => e.objectRef?.resource === "leases");
    // Polling followers would have read the Lease 20 times; the holder renews every 15 s.
    expect(leases.filter((e) => e.verb === "get")).toEqual([]);
    expect(leases.filter((e) => e.verb === "update").length).toBeLessThanOrEqual(2);
    // The holder's once-a-minute reports (unclaimed hooks, lost nodes) at most once each in 20 s.
    expect(requests.filter((e) => e.objectRef?.resource !== "leases").length).toBeLessThanOrEqual(2);
    await Promise.all([...agents, ...fleet].map((op) => op.stop()));
  }, 90_000);
});

describe("Lease requests under API priority and fairness", () => {
  const NS = "e2e-flowschema";
  const LEVEL = "plexd-hook-leases";
  // kubectl -v=8 prints the answer's headers; the API server names the FlowSchema and priority level it chose.
  const classified = async (path: string): Promise<{ flowSchema?: string; priorityLevel?: string }> => {
    const as = `--as=system:serviceaccount:${INSTALL_NAMESPACE}:plexd-cluster`;
    const { stderr } = await env.tryK(["get", "--raw", path, as, "-v=8"]);
    const header = (name: string) => new RegExp(`${name}: *([0-9a-f-]{36})`, "i").exec(stderr)?.[1];
    return { flowSchema: header("X-Kubernetes-Pf-Flowschema-Uid"), priorityLevel: header("X-Kubernetes-Pf-Prioritylevel-Uid") };
  };
  const uid = async (kind: string, name: string) => (await env.json(["get", kind, name])).metadata.uid as string;
  /** Requests the API server dispatched at priority level `level` through the FlowSchema of the same name. */
  const dispatched = async (level: string): Promise<number> => {
    const metrics = await env.k(["get", "--raw", "/metrics"]);
    const line = metrics
      .split("\n")
      .find(
        (l) =>
          l.startsWith("apiserver_flowcontrol_dispatched_requests_total{") &&
          l.includes(`flow_schema="${level}"`) &&
          l.includes(`priority_level="${level}"`),
      );
    return Number(line?.split(" ").pop() ?? 0);
  };

  test("the fleet controller's Lease requests are served at its own priority level, not leader-election; its other requests are not", async () => {
    await env.namespace(NS);
    const fleet = operator(NS, "fleet", "--agent-selector", "");
    await fleet.waitReady();
    await leaderOf([fleet]);
    const flowSchema = await uid("flowschemas.flowcontrol.apiserver.k8s.io", LEVEL);
    const level = await uid("prioritylevelconfigurations.flowcontrol.apiserver.k8s.io", LEVEL);
    expect(level).not.toBe(await uid("prioritylevelconfigurations.flowcontrol.apiserver.k8s.io", "leader-election"));
    const lease = await classified(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${FLEET_LEASE_NAME}`);
    expect(lease).toEqual({ flowSchema, priorityLevel: level });
    const hooks = await classified(`/apis/plexd.plexsphere.com/v1alpha1/namespaces/${NS}/plexdhooks`);
    expect(hooks.flowSchema).toBeString();
    expect(hooks.flowSchema).not.toBe(flowSchema);
    expect(hooks.priorityLevel).not.toBe(level);

    // The renewals themselves, counted by the API server per priority level between two renewals.
    // One audit event per request: a watch's when it starts (the API server dispatches it then), others' when done.
    const leaseRequests = (since: number) =>
      readAuditLog(env.cluster.auditLogPath as string).filter(
        (e) =>
          e.stage === (e.verb === "watch" ? "ResponseStarted" : "ResponseComplete") &&
          e.user?.username === `system:serviceaccount:${INSTALL_NAMESPACE}:plexd-cluster` &&
          e.objectRef?.resource === "leases" &&
          Date.parse(e.requestReceivedTimestamp) >= since,
      );
    const renewalAfter = (since: number) =>
      waitFor("the holder to renew its Lease", async () => leaseRequests(since).some((e) => e.verb === "update"), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
    await renewalAfter(Date.now());
    const from = Date.now();
    const before = await dispatched(LEVEL);
    await renewalAfter(from);
    const after = await dispatched(LEVEL);
    const window = leaseRequests(from);
    expect(window.filter((e) => e.verb === "update").length).toBeGreaterThanOrEqual(1);
    expect(after - before).toBe(window.length);
    expect(await fleet.stop()).toBe(0);
  }, 90_000);
});

describe("two --all-nodes replicas", () => {
  const NS = "e2e-replicas";
  let replicas: Operator[];
  beforeAll(async () => {
    await env.namespace(NS);
    replicas = [operator(NS, "--all-nodes"), operator(NS, "--all-nodes")];
    await Promise.all(replicas.map((op) => op.waitReady()));
  }, 60_000);

  test("only the replica holding the Lease writes: every hook gets one Job, all made by one replica", async () => {
    const holder = await leaderOf(replicas);
    for (let i = 0; i < 8; i++) {
      await env.k(
        ["apply", "-f", "-"],
        hookYaml(`r-${i}`, NS, { hookName: "r", nodeName: ["node-a", "node-b", "node-c"][i % 3] }),
      );
    }
    for (let i = 0; i < 8; i++) await withJob(NS, `r-${i}`);
    const jobs = await jobsIn(NS);
    for (let i = 0; i < 8; i++) expect(jobs.filter((j) => j.metadata.name === `plexdhook-r-${i}`)).toHaveLength(1);
    expect(created(holder)).toHaveLength(8);
    for (const other of replicas.filter((op) => op !== holder)) expect(created(other)).toEqual([]);
  }, 90_000);

  test("when the holder stops, the other replica takes over at once and handles new hooks", async () => {
    const holder = await leaderOf(replicas);
    const other = replicas.find((op) => op !== holder) as Operator;
    expect(await holder.stop()).toBe(0);
    await waitFor("the other replica to lead", async () => (await other.metric("plexd_hook_leader")) === 1, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    await env.k(["apply", "-f", "-"], hookYaml("after", NS, { hookName: "r", nodeName: "node-b" }));
    await withJob(NS, "after");
    expect(created(other)).toEqual(["after"]);
  }, 60_000);
});

describe("a lost node", () => {
  const NS = "e2e-lost";
  const DOOMED = "node-doomed";

  test("a running hook whose node is deleted is reported Failed with reason NodeLost by the fleet controller", async () => {
    await env.namespace(NS);
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: DOOMED,
        labels: { "kubernetes.io/hostname": DOOMED, type: "kwok" },
        annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      },
    };
    await env.k(["apply", "-f", "-"], JSON.stringify(node));
    await env.k(["wait", "--for=condition=Ready", `node/${DOOMED}`, "--timeout=60s"]);
    const holder = operator(NS, "fleet", "--agent-selector=", "--node-lost-after", "3");
    await holder.waitReady();
    await leaderOf([holder]);
    const doomed = operator(NS, "--node-name", DOOMED);
    await doomed.waitReady();
    const spec = { hookName: "d", nodeName: DOOMED, jobTemplate: { image: "plexd.test/sleep" } };
    await env.k(["apply", "-f", "-"], hookYaml("doomed", NS, spec));
    await waitFor("the hook to run", async () => (await getHook(NS, "doomed")).status?.phase === "Running", {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    // The holder must have seen the node once before it disappears (it looks every 0.75 s here).
    await Bun.sleep(2_000);
    doomed.proc.kill("SIGKILL");
    await env.k(["delete", "node", DOOMED, "--wait=false"]);
    const status = await waitFor(
      "the hook to be reported Failed",
      async () => {
        const s = (await getHook(NS, "doomed")).status;
        return s?.phase === "Failed" && s;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(status.message).toMatch(/^The hook's outcome is unknown: node node-doomed no longer exists/);
    expect(status.conditions.find((c: any) => c.type === "Succeeded")?.reason).toBe("NodeLost");
    const events = await env.json(["get", "events", "-n", NS, "--field-selector", "involvedObject.name=doomed"]);
    expect(events.items.some((e: any) => e.type === "Warning" && e.message.includes("no longer exists"))).toBe(true);
  }, 120_000);
});
