// The API server goes away while hooks are being created: nothing lost, nothing duplicated, recovery on its own.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, setUp } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-faults";
let cluster: Cluster;
let env: Setup;
let operator: Operator | undefined;

beforeAll(async () => {
  // Its own control plane: restarting the shared one would disturb the other suites.
  cluster = await startCluster({ name: "faults", nodes: ["node-a"] });
  env = await setUp(cluster);
  await env.namespace(NS);
}, 600_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
});

async function createHook(name: string): Promise<void> {
  // kubectl fails while the API server is down; keep trying like a person would.
  await waitFor(
    `hook ${name} to be created`,
    async () => (await env.tryK(["apply", "-f", "-"], hookYaml(name, NS, { hookName: "fault", nodeName: "node-a" }))).code === 0,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

test("hooks created around an API server restart each get exactly one Job and succeed", async () => {
  operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-a"]);
  await operator.waitReady();
  for (let i = 0; i < 10; i++) await createHook(`before-${i}`);

  await cluster.stopApiServer();
  // The operator notices (its watches end) while the server is away.
  await Bun.sleep(3_000);
  await cluster.startApiServer();
  const restartedAt = Date.now();
  for (let i = 0; i < 10; i++) await createHook(`after-${i}`);

  await waitFor(
    "all 20 hooks to succeed",
    async () => {
      const hooks = (await env.json(["get", "plexdhooks", "-n", NS])).items as any[];
      return hooks.length === 20 && hooks.every((h) => h.status?.phase === "Succeeded");
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  ).catch(async (err) => {
    // Say what was left, so a failure here can be understood from CI's output.
    console.error(await env.k(["get", "plexdhooks,jobs,pods", "-n", NS, "-o", "wide"]));
    console.error(
      operator?.stderr
        .filter((l) => !l.includes('"level":"debug"'))
        .slice(-40)
        .join("\n"),
    );
    throw err;
  });
  const firstAfter = operator.logs.find((l) => l.msg === "plexdhook job created" && String(l.hook).startsWith("after-"));
  const recoveryMs = Date.parse(String(firstAfter?.time)) - restartedAt;
  console.log(`recovery: first Job after the API server restart was created ${recoveryMs} ms after it came back`);

  const jobs = (await env.json(["get", "jobs", "-n", NS])).items as any[];
  expect(jobs).toHaveLength(20);
  expect(new Set(jobs.map((j) => j.metadata.ownerReferences[0].uid)).size).toBe(20);
  // It says why it reconnected.
  expect(
    operator.logs.some((l) => l.msg === "watch interrupted, reconnecting" && l.level === "warn" && typeof l.error === "string"),
  ).toBe(true);
  expect(await operator.metric("plexd_hook_watch_restarts_total")).toBeGreaterThan(0);
  // The process itself never gave up.
  expect(operator.proc.exitCode).toBeNull();
}, 300_000);

test("the operator started while the API server is down reports it and exits non-zero", async () => {
  await cluster.stopApiServer();
  try {
    const early = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-a"]);
    expect(await early.exited).toBe(1);
    const errors = early.stderr.filter((line) => line.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("error: cannot reach the Kubernetes API server at ");
  } finally {
    await cluster.startApiServer();
  }
}, 120_000);
