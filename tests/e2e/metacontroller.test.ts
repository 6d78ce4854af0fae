// PlexdHook through Metacontroller's hooks: the real `plexd-hook webhook`, a TypeScript stand-in for Metacontroller.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { CONTROLLER_UID_LABEL, FakeMetacontroller, LAST_APPLIED } from "./support/metacontroller.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-mc";
const NATIVE_NS = "e2e-mc-native";
let env: Setup;
let webhook: Operator;
let native: Operator;
let mc: FakeMetacontroller;

const spec = (overrides: object = {}) => ({
  hookName: "disk-check",
  nodeName: "node-a",
  jobTemplate: { image: "alpine:3.19", command: ["/bin/sh", "-c"], args: ["df -h /dev/sda1"] },
  parameters: [
    { name: "disk-path", value: "/dev/sda1" },
    { name: "api-token", valueFrom: { secretKeyRef: { name: "disk-check-creds", key: "token" } } },
    { name: "mode", valueFrom: { configMapKeyRef: { name: "disk-check-settings", key: "mode", optional: true } } },
  ],
  ...overrides,
});

const getHook = (ns: string, name: string) => env.json(["get", "plexdhook", name, "-n", ns]);
const getJob = (ns: string, name: string) => env.json(["get", "job", name, "-n", ns]);

/** Reconciles through the stand-in until the hook's phase is `phase`, as Metacontroller would on each change. */
async function reconcileUntil(name: string, phase: string, timeoutMs = 60_000, driver = mc): Promise<any> {
  return waitFor(
    `${name} to be ${phase} through the webhook`,
    async () => {
      await driver.reconcile(NS, name);
      const status = (await getHook(NS, name)).status;
      return status?.phase === phase && status;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/** A Job without what the API server, the Job controller, the namespace, and the hook's uid put in it. */
function comparable(job: any): any {
  const copy = structuredClone(job);
  const { metadata } = copy;
  for (const field of ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "namespace"])
    delete metadata[field];
  for (const ref of metadata.ownerReferences) delete ref.uid;
  delete copy.status;
  delete copy.spec.selector;
  for (const key of ["batch.kubernetes.io/controller-uid", "controller-uid"]) delete copy.spec.template.metadata.labels[key];
  return copy;
}

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  await env.namespace(NATIVE_NS);
  for (const ns of [NS, NATIVE_NS]) {
    await env.k(["create", "secret", "generic", "disk-check-creds", "-n", ns, "--from-literal=token=s3cr3t"]);
  }
  webhook = startOperator(["webhook", "--addr", "127.0.0.1:0"]);
  const url = await waitFor(
    "the webhook's address",
    () => webhook.logs.find((l) => l.msg === "plexd-hook webhook serving")?.url as string | undefined,
    { timeoutMs: 15_000 },
  );
  mc = new FakeMetacontroller(env, url.replace(/\/$/, ""));
  native = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NATIVE_NS, "--all-nodes"]);
  await native.waitReady();
}, 600_000);

afterAll(async () => {
  await Promise.all([webhook?.stop(), native?.stop()]);
});

describe("a hook through the webhook", () => {
  test("reaches Succeeded with a Job identical to the native controller's apart from what Metacontroller sets", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("same", NS, spec()));
    await env.k(["apply", "-f", "-"], hookYaml("same", NATIVE_NS, spec()));
    const status = await reconcileUntil("same", "Succeeded");
    expect(status.nodeName).toBe("node-a");
    expect(status.conditions.map((c: any) => [c.type, c.status])).toEqual([
      ["JobCreated", "True"],
      ["Succeeded", "True"],
    ]);
    const nativeStatus = await waitFor(
      "the native hook to succeed",
      async () => {
        const s = (await getHook(NATIVE_NS, "same")).status;
        return s?.phase === "Succeeded" && s;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(status.message).toBe(nativeStatus.message);

    const viaWebhook = await getJob(NS, "plexdhook-same");
    const viaNative = await getJob(NATIVE_NS, "plexdhook-same");
    // Metacontroller's own marks: the generated selector's label and its last-applied annotation.
    expect(viaWebhook.metadata.labels[CONTROLLER_UID_LABEL]).toBe((await getHook(NS, "same")).metadata.uid);
    expect(JSON.parse(viaWebhook.metadata.annotations[LAST_APPLIED]).metadata.name).toBe("plexdhook-same");
    delete viaWebhook.metadata.labels[CONTROLLER_UID_LABEL];
    delete viaWebhook.metadata.annotations;
    expect(comparable(viaWebhook)).toEqual(comparable(viaNative));
    const env_ = viaWebhook.spec.template.spec.containers[0].env;
    expect(env_).toContainEqual({
      name: "PLEXD_PARAM_API_TOKEN",
      valueFrom: { secretKeyRef: { name: "disk-check-creds", key: "token" } },
    });
  });

  test("waits Pending, naming the Secret and key, while a Secret is missing, and starts once it exists", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("no-secret", NS, spec({ parameters: [{ name: "pw", valueFrom: { secretKeyRef: { name: "late", key: "pw" } } }] })),
    );
    await mc.reconcile(NS, "no-secret");
    const status = (await getHook(NS, "no-secret")).status;
    expect(status.phase).toBe("Pending");
    expect(status.message).toBe(`Secret ${NS}/late does not exist (parameter pw reads its key pw)`);
    expect((await env.tryK(["get", "job", "plexdhook-no-secret", "-n", NS])).code).not.toBe(0);

    await env.k(["create", "secret", "generic", "late", "-n", NS, "--from-literal=pw=x"]);
    const done = await reconcileUntil("no-secret", "Succeeded");
    expect(done.message).toBe("Job plexdhook-no-secret succeeded");
  });

  test("fails with 'node X not found' when the node does not exist, and makes no Job", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("no-node", NS, spec({ nodeName: "node-zzz" })));
    const status = await reconcileUntil("no-node", "Failed", 15_000);
    expect(status.message).toBe("node node-zzz not found");
    expect((await env.tryK(["get", "job", "plexdhook-no-node", "-n", NS])).code).not.toBe(0);
  });

  test("deleting a finished hook is finalized at once, and garbage collection takes its Job", async () => {
    await env.k(["delete", "plexdhook", "same", "-n", NS, "--wait=false"]);
    const answer = await mc.reconcile(NS, "same");
    expect(answer.finalized).toBe(true);
    await waitFor("the hook to go", async () => (await env.tryK(["get", "plexdhook", "same", "-n", NS])).code !== 0, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
  });
});

describe("finalize", () => {
  test("deleting a hook whose task runs waits for the task; deleting its Job lets the hook go", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("long", NS, spec({ jobTemplate: { image: "plexd.test/sleep" } })));
    await reconcileUntil("long", "Running");
    await env.k(["delete", "plexdhook", "long", "-n", NS, "--wait=false"]);
    const waiting = await mc.reconcile(NS, "long");
    expect(waiting.finalized).toBe(false);
    expect(waiting.children.map((j: any) => j.metadata.name)).toEqual(["plexdhook-long"]);
    expect((await getJob(NS, "plexdhook-long")).metadata.deletionTimestamp).toBeUndefined();
    expect((await getHook(NS, "long")).metadata.deletionTimestamp).toBeDefined();

    await env.k(["delete", "job", "plexdhook-long", "-n", NS, "--wait=true"]);
    expect((await mc.reconcile(NS, "long")).finalized).toBe(true);
    await waitFor("the hook to go", async () => (await env.tryK(["get", "plexdhook", "long", "-n", NS])).code !== 0, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
  });
});

describe("hooks at version v1", () => {
  // At v1 Metacontroller sends a namespaced parent no cluster-scoped related objects: no Node.
  const v1 = () => new FakeMetacontroller(env, mc.url, "v1");

  test("a hook reaches Succeeded, its Job keyed by name alone", async () => {
    const driver = v1();
    await env.k(["apply", "-f", "-"], hookYaml("v1-ok", NS, spec()));
    const status = await reconcileUntil("v1-ok", "Succeeded", 60_000, driver);
    expect(status.message).toBe("Job plexdhook-v1-ok succeeded");
    const sync = driver.calls.filter((c) => c.hook === "sync").at(-1);
    expect(Object.keys(sync?.request.children["Job.batch/v1"])).toEqual(["plexdhook-v1-ok"]);
    expect(sync?.request.related["Node.v1"]).toEqual({});
  });

  test("a missing node cannot be seen, so the Job is made and the hook stays Pending saying its pod cannot be scheduled", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("v1-no-node", NS, spec({ nodeName: "node-zzz" })));
    const driver = v1();
    const status = await waitFor(
      "v1-no-node to say its pod cannot be scheduled",
      async () => {
        await driver.reconcile(NS, "v1-no-node");
        const s = (await getHook(NS, "v1-no-node")).status;
        return s?.message?.includes("cannot be scheduled") && s;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(status.phase).toBe("Pending");
  });
});
