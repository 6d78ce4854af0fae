// The webhook's certificate renewed while hooks run through Metacontroller: hooks keep succeeding, the new certificate is served.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { FakeMetacontroller } from "./support/metacontroller.ts";
import { type HttpsWebhook, startHttpsWebhook } from "./support/metacontroller-tls.ts";

const NS = "e2e-mc-tls";
let env: Setup;
let https: HttpsWebhook;
let mc: FakeMetacontroller;

const spec = { hookName: "rotate", nodeName: "node-b", jobTemplate: { image: "alpine:3.19" } };
const phaseOf = async (name: string) => (await env.json(["get", "plexdhook", name, "-n", NS])).status?.phase;

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  https = await startHttpsWebhook(env, NS, mkdtempSync(join(tmpdir(), "plexd-e2e-mc-tls-")));
  mc = await FakeMetacontroller.start(env, { namespace: NS, address: https.address });
}, 600_000);

afterAll(async () => {
  await https?.webhook.stop();
});

/**
 * Metacontroller's work loop over `names`: reconcile each hook not yet finished, again and again; a
 * failed call is retried on the next round, as Metacontroller requeues after a SyncError.
 */
function metacontrollerLoop(names: () => string[]) {
  let running = true;
  const done = (async () => {
    while (running) {
      for (const name of names()) {
        // A failed call is recorded in mc.failures; the loop goes on, as Metacontroller's requeue does.
        if ((await phaseOf(name).catch(() => undefined)) === "Succeeded") continue;
        await mc.reconcile(NS, name).catch(() => {});
      }
      // Metacontroller's resync, sped up: a cadence, not a wait for a state.
      await Bun.sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe("a certificate rotation while hooks run", () => {
  test("hooks started before, during and after the renewal all succeed, one Job each, and the renewed certificate is served", async () => {
    const before = await https.servedSerial();
    const hooks: string[] = [];
    const create = async (name: string) => {
      await env.k(["apply", "-f", "-"], hookYaml(name, NS, spec));
      hooks.push(name);
    };
    // A task that runs throughout, so the loop calls the webhook through the swap whatever the others do.
    await env.k(["apply", "-f", "-"], hookYaml("long", NS, { ...spec, jobTemplate: { image: "plexd.test/sleep" } }));
    const loop = metacontrollerLoop(() => ["long", ...hooks]);
    try {
      for (const name of ["before-1", "before-2", "before-3"]) await create(name);
      await waitFor("the first hooks' Jobs", () => (mc.created.get("before-3") ?? 0) > 0, { timeoutMs: 60_000, intervalMs: 100 });
      // The doc's renewal: a new certificate from the same CA in the Secret; the kubelet's projection follows.
      const renewed = await https.renew();
      expect(renewed).not.toBe(before);
      const callsBefore = mc.calls.length;
      await create("during-1");
      const served = await waitFor("the renewed certificate to be served", async () => (await https.servedSerial()) === renewed, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect(served).toBe(true);
      await waitFor("calls on the new certificate", () => mc.calls.length > callsBefore + 20, { timeoutMs: 30_000 });
      for (const name of ["after-1", "after-2"]) await create(name);
      await waitFor(
        "every hook to succeed",
        async () => (await Promise.all(hooks.map(phaseOf))).every((phase) => phase === "Succeeded"),
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    } finally {
      await loop.stop();
    }
    for (const name of ["long", ...hooks]) expect([name, mc.created.get(name)]).toEqual([name, 1]);
    expect(await phaseOf("long")).toBe("Running");
    expect(mc.failures).toEqual([]);
    const reloaded = https.webhook.logs.filter((l) => l.msg === "webhook certificate served").map((l) => l.serial);
    expect(reloaded).toEqual([before, await https.servedSerial()]);
  });
});
