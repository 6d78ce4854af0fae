// Parameters from ConfigMaps and Secrets in the native controller: the Job's env, and a missing object's Pending message.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-value-from";
let env: Setup;
let operator: Operator;
/** Hooks whose parameters read a Secret get their Jobs from the fleet controller; node-b's agent follows them. */
let fleet: Operator;

const getHook = (name: string) => env.json(["get", "plexdhook", name, "-n", NS]);

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  await env.k(["create", "secret", "generic", "creds", "-n", NS, "--from-literal=token=s3cr3t"]);
  await env.k(["create", "configmap", "settings", "-n", NS, "--from-literal=level=3"]);
  operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--node-name", "node-b"]);
  fleet = startOperator(["fleet", "--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--agent-selector="]);
  await Promise.all([operator.waitReady(), fleet.waitReady()]);
}, 600_000);

afterAll(async () => {
  await Promise.all([operator?.stop(), fleet?.stop()]);
});

describe("valueFrom in the native controller", () => {
  test("the Job's env carries the same valueFrom, for the kubelet to resolve, and the hook runs", async () => {
    const parameters = [
      { name: "plain", value: "1" },
      { name: "api-token", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
      { name: "level", valueFrom: { configMapKeyRef: { name: "settings", key: "level", optional: true } } },
    ];
    await env.k(["apply", "-f", "-"], hookYaml("refs", NS, { hookName: "refs", nodeName: "node-b", parameters }));
    const status = await waitFor(
      "refs to succeed",
      async () => {
        const s = (await getHook("refs")).status;
        return s?.phase === "Succeeded" && s;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(status.phase).toBe("Succeeded");
    const job = await env.json(["get", "job", "plexdhook-refs", "-n", NS]);
    expect(job.spec.template.spec.containers[0].env.slice(2)).toEqual([
      { name: "PLEXD_PARAM_PLAIN", value: "1" },
      { name: "PLEXD_PARAM_API_TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
      { name: "PLEXD_PARAM_LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "level", optional: true } } },
    ]);
    // The value itself is nowhere in the hook or the Job.
    expect(JSON.stringify(job)).not.toContain("s3cr3t");
  });

  // kwok resolves no env: the stage pod-config-error.yaml gives the pod the kubelet's
  // CreateContainerConfigError for the first valueFrom, as a kubelet would for a missing Secret.
  test("a missing Secret leaves the hook Pending with a message naming the Secret and key (kubelet error simulated)", async () => {
    const parameters = [{ name: "api-token", valueFrom: { secretKeyRef: { name: "absent-creds", key: "token" } } }];
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("absent", NS, {
        hookName: "absent",
        nodeName: "node-b",
        parameters,
        jobTemplate: { image: "plexd.test/config-error" },
      }),
    );
    const status = await waitFor(
      "absent to say why it waits",
      async () => {
        const s = (await getHook("absent")).status;
        return s?.message && s;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(status.phase).toBe("Pending");
    expect(status.message).toBe(`Secret ${NS}/absent-creds does not exist (parameter api-token reads its key token)`);
  });
});
