// Smoke test of the local control plane: scheduling, kwok outcomes by image, GC, RBAC, restarts.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { Cluster } from "./cluster.ts";
import { startCluster } from "./cluster.ts";
import { waitFor } from "./wait.ts";

interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    containerStatuses?: Array<{ state: { terminated?: { exitCode: number; reason?: string } } }>;
  };
}

function jobManifest(name: string, image: string, node = "node-b"): string {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      // A failed pod must fail the Job at once, not after retries with exponential backoff.
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          nodeSelector: { "kubernetes.io/hostname": node },
          containers: [{ name: "main", image }],
        },
      },
    },
  });
}

describe("startCluster()", () => {
  let cluster: Cluster | undefined;

  const c = (): Cluster => {
    if (cluster === undefined) throw new Error("The cluster did not start");
    return cluster;
  };

  const kubectlOk = async (args: string[], stdin?: string): Promise<string> => {
    const res = await c().kubectl(args, stdin === undefined ? {} : { stdin });
    if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${res.stderr}`);
    return res.stdout;
  };

  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectlOk([...args, "-o", "json"])) as T;

  const internalIp = async (node: string): Promise<string> =>
    (await getJson<any>(["get", "node", node])).status.addresses.find((a: any) => a.type === "InternalIP")?.address ?? "";

  const podsOfJob = async (job: string): Promise<Pod[]> =>
    (await getJson<{ items: Pod[] }>(["get", "pods", "-l", `job-name=${job}`])).items;

  const jobCondition = (job: string, type: string) =>
    waitFor(
      `Job ${job} to be ${type}`,
      async () => {
        const got = await getJson<{ status: { conditions?: Array<{ type: string; status: string }> } }>(["get", "job", job]);
        return got.status.conditions?.some((x) => x.type === type && x.status === "True") ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

  beforeAll(async () => {
    cluster = await startCluster({ name: "smoke" });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test("a Job pinned to node-b is scheduled there and succeeds", async () => {
    await kubectlOk(["apply", "-f", "-"], jobManifest("pinned", "registry.example/ok:1"));
    await jobCondition("pinned", "Complete");
    const [pod] = await podsOfJob("pinned");
    expect(pod?.spec.nodeName).toBe("node-b");
    expect(pod?.status.phase).toBe("Succeeded");
    expect(pod?.status.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(0);
  }, 120_000);

  test("an image plexd.test/fail-exit-3 fails the Job with exit code 3", async () => {
    await kubectlOk(["apply", "-f", "-"], jobManifest("failing", "plexd.test/fail-exit-3", "node-a"));
    await jobCondition("failing", "Failed");
    const [pod] = await podsOfJob("failing");
    expect(pod?.status.phase).toBe("Failed");
    expect(pod?.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
  }, 120_000);

  test("a node labelled plexd.test/fail-exit=4 fails any Job pod with exit code 4, and succeeds again without it", async () => {
    await kubectlOk(["label", "node", "node-c", "plexd.test/fail-exit=4"]);
    await waitFor(
      "node-c to take the failing address",
      async () => ((await internalIp("node-c")).startsWith("10.255.4.") ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await kubectlOk(["apply", "-f", "-"], jobManifest("on-failing-node", "registry.example/ok:1", "node-c"));
    await jobCondition("on-failing-node", "Failed");
    const [pod] = await podsOfJob("on-failing-node");
    expect(pod?.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 4, reason: "Error" });
    await kubectlOk(["label", "node", "node-c", "plexd.test/fail-exit-"]);
    await waitFor(
      "node-c to take its own address back",
      async () => ((await internalIp("node-c")).startsWith("10.1.") ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await kubectlOk(["apply", "-f", "-"], jobManifest("on-healed-node", "registry.example/ok:1", "node-c"));
    await jobCondition("on-healed-node", "Complete");
  }, 120_000);

  test("a node labelled plexd.test/not-ready=true turns NotReady, and Ready again (since then) without the label", async () => {
    const ready = async (node: string) =>
      (await getJson<any>(["get", "node", node])).status.conditions.find((x: any) => x.type === "Ready");
    await kubectlOk(["label", "node", "node-b", "plexd.test/not-ready=true"]);
    await waitFor("node-b to be NotReady", async () => ((await ready("node-b")).status === "False" ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const down = Date.now();
    await kubectlOk(["label", "node", "node-b", "plexd.test/not-ready-"]);
    const back = await waitFor(
      "node-b to be Ready again",
      async () => {
        const condition = await ready("node-b");
        return condition.status === "True" ? condition : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(Date.parse(back.lastTransitionTime)).toBeGreaterThanOrEqual(Math.floor(down / 1000) * 1000);
  }, 120_000);

  test("an image plexd.test/run-2s runs two seconds, then succeeds", async () => {
    await kubectlOk(["apply", "-f", "-"], jobManifest("two-seconds", "plexd.test/run-2s", "node-a"));
    await jobCondition("two-seconds", "Complete");
    const [pod] = await podsOfJob("two-seconds");
    const terminated = (pod?.status.containerStatuses?.[0]?.state.terminated ?? {}) as {
      startedAt?: string;
      finishedAt?: string;
    };
    const ms = Date.parse(terminated.finishedAt ?? "") - Date.parse(terminated.startedAt ?? "");
    expect(ms).toBeGreaterThanOrEqual(1_000);
    expect(ms).toBeLessThan(5_000);
  }, 120_000);

  test("an image plexd.test/sleep keeps its pod Running", async () => {
    await kubectlOk(["apply", "-f", "-"], jobManifest("sleeping", "plexd.test/sleep"));
    await waitFor(
      "the sleeping pod to run",
      async () => ((await podsOfJob("sleeping"))[0]?.status.phase === "Running" ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // Other Jobs complete within a moment; this one must still be running after that moment.
    await Bun.sleep(2_000);
    const [pod] = await podsOfJob("sleeping");
    expect(pod?.status.phase).toBe("Running");
  }, 120_000);

  test("deleting an owner garbage-collects its dependents", async () => {
    await kubectlOk(["create", "configmap", "owner"]);
    const owner = await getJson<{ metadata: { uid: string } }>(["get", "configmap", "owner"]);
    const dependent = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "dependent",
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid }],
      },
    };
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(dependent));
    await kubectlOk(["delete", "configmap", "owner"]);
    await waitFor(
      "the dependent ConfigMap to be collected",
      async () => {
        const res = await c().kubectl(["get", "configmap", "dependent"]);
        return res.code !== 0 && res.stderr.includes("NotFound") ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }, 120_000);

  test("a user without a role is forbidden by RBAC", async () => {
    const kubeconfig = await c().kubeconfigFor("alice", ["plexd:testers"]);
    const res = await c().kubectl(["get", "pods"], { kubeconfig });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('User "alice" cannot list resource "pods"');
  }, 120_000);

  test("the API server can be stopped and started again", async () => {
    await c().stopApiServer();
    const down = await c().kubectl(["get", "nodes", "--request-timeout=2s"]);
    expect(down.code).not.toBe(0);
    await c().startApiServer();
    expect(await kubectlOk(["get", "nodes", "-o", "name"])).toContain("node/node-b");
  }, 120_000);

  test("stop() leaves no process and no directory behind", async () => {
    const { dir } = c();
    await c().stop();
    const ps = Bun.spawnSync(["ps", "-eo", "pid=,args="]).stdout.toString();
    expect(ps.split("\n").filter((line) => line.includes(dir))).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});
