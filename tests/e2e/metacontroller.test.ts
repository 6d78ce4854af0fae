// PlexdHook through Metacontroller's hooks: the real `plexd-hook webhook` over HTTPS, a TypeScript stand-in for Metacontroller.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobMissingMessage } from "../../lib/core/messages.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { CONTROLLER_UID_LABEL, FakeMetacontroller, LAST_APPLIED } from "./support/metacontroller.ts";
import { startHttpsWebhook } from "./support/metacontroller-tls.ts";
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

/**
 * A Job without what the API server, the Job controller, the namespace, and the hook's uid put in it,
 * nor the native agent's outcome finalizer (under Metacontroller nothing could remove it).
 */
function comparable(job: any): any {
  const copy = structuredClone(job);
  const { metadata } = copy;
  for (const field of ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "namespace", "finalizers"])
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
  const https = await startHttpsWebhook(env, NS, mkdtempSync(join(tmpdir(), "plexd-e2e-mc-")));
  webhook = https.webhook;
  mc = await FakeMetacontroller.start(env, { namespace: NS, address: https.address });
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

  test("a missing Secret is told by the pod, in the native words; no Secret is ever sent to the webhook", async () => {
    const parameters = [{ name: "pw", valueFrom: { secretKeyRef: { name: "late", key: "pw" } } }];
    // kwok resolves no env: the image gives the pod the kubelet's CreateContainerConfigError (tests/cluster/stages).
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("no-secret", NS, spec({ parameters, jobTemplate: { image: "plexd.test/config-error" } })),
    );
    const status = await waitFor(
      "no-secret to say why it waits",
      async () => {
        await mc.reconcile(NS, "no-secret");
        const s = (await getHook(NS, "no-secret")).status;
        return s?.message && s;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    expect(status.phase).toBe("Pending");
    expect(status.message).toBe(`Secret ${NS}/late does not exist (parameter pw reads its key pw)`);
    expect((await getJob(NS, "plexdhook-no-secret")).metadata.name).toBe("plexdhook-no-secret");
    // The Secret disk-check-creds exists in NS (token s3cr3t) and hooks of the first test read it.
    const sent = JSON.stringify(mc.calls.map((c) => c.request));
    expect(sent).toContain("disk-check-creds");
    expect(sent).not.toContain("Secret.v1");
    expect(sent).not.toContain(Buffer.from("s3cr3t").toString("base64"));
    expect(mc.calls.flatMap((c) => c.response.relatedResources ?? []).map((r: any) => r.resource)).not.toContain("secrets");
  });

  test("fails with 'node X not found' when the node does not exist, and makes no Job", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("no-node", NS, spec({ nodeName: "node-zzz" })));
    const status = await reconcileUntil("no-node", "Failed", 15_000);
    expect(status.message).toBe("node node-zzz not found");
    expect((await env.tryK(["get", "job", "plexdhook-no-node", "-n", NS])).code).not.toBe(0);
  });

  test("a hook that drains fails DrainUnsupported and gets no Job", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("drains", NS, spec({ drain: { enabled: true } })));
    const status = await reconcileUntil("drains", "Failed", 15_000);
    expect(status.conditions.find((c: any) => c.type === "Succeeded").reason).toBe("DrainUnsupported");
    expect(status.message).toContain("without spec.drain, or run plexd-hook natively");
    await mc.reconcile(NS, "drains");
    expect((await env.tryK(["get", "job", "plexdhook-drains", "-n", NS])).code).not.toBe(0);
    expect(mc.created.get("drains") ?? 0).toBe(0);
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

describe("a Job at most once", () => {
  test("a Job its TTL removed before Metacontroller looked again is never asked for again", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("ttl", NS, spec({ ttlSecondsAfterFinished: 0 })));
    const first = await mc.reconcile(NS, "ttl");
    expect(first.children.map((j: any) => j.metadata.name)).toEqual(["plexdhook-ttl"]);
    await waitFor(
      "the Job to run and be removed",
      async () => (await env.tryK(["get", "job", "plexdhook-ttl", "-n", NS])).code !== 0,
      {
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    for (let i = 0; i < 3; i++) expect((await mc.reconcile(NS, "ttl")).children).toEqual([]);
    expect((await env.tryK(["get", "job", "plexdhook-ttl", "-n", NS])).code).not.toBe(0);
    expect(mc.created.get("ttl")).toBe(1);
    const status = (await getHook(NS, "ttl")).status;
    expect(status.jobName).toBe("plexdhook-ttl");
    expect(status.conditions.find((c: any) => c.type === "JobCreated")).toMatchObject({
      status: "Unknown",
      reason: "JobCreating",
    });
  });

  test("a Job deleted while it runs fails the hook JobMissing (the native controller, whose finalizer holds its Job, says JobDeleted), and no Job comes back", async () => {
    const cut = spec({ jobTemplate: { image: "plexd.test/sleep" } });
    await env.k(["apply", "-f", "-"], hookYaml("cut", NS, cut));
    await env.k(["apply", "-f", "-"], hookYaml("cut", NATIVE_NS, cut));
    await reconcileUntil("cut", "Running");
    await waitFor("the native hook to run", async () => (await getHook(NATIVE_NS, "cut")).status?.phase === "Running", {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    await Promise.all([NS, NATIVE_NS].map((ns) => env.k(["delete", "job", "plexdhook-cut", "-n", ns, "--wait=true"])));
    const status = await reconcileUntil("cut", "Failed", 15_000);
    expect(status.message).toBe(jobMissingMessage("plexdhook-cut"));
    expect(status.conditions.find((c: any) => c.type === "Succeeded").reason).toBe("JobMissing");
    const nativeStatus = (await getHook(NATIVE_NS, "cut")).status;
    expect(nativeStatus.phase).toBe("Failed");
    expect(nativeStatus.conditions.find((c: any) => c.type === "Succeeded").reason).toBe("JobDeleted");
    await mc.reconcile(NS, "cut");
    expect((await env.tryK(["get", "job", "plexdhook-cut", "-n", NS])).code).not.toBe(0);
    expect(mc.created.get("cut")).toBe(1);
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
  const v1 = () => mc.at("v1");

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
