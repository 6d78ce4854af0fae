import { afterEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../tests/cluster/wait.ts";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { SEED_SPEC } from "../../tests/support/seed.ts";
import { ApiError } from "../kube/errors.ts";
import { createLogger } from "../observe/logger.ts";
import { Metrics } from "../observe/metrics.ts";
import { type ControllerConfig, defaultConfig } from "./config.ts";
import { PlexdHookController } from "./controller.ts";

const NS = "plexd-system";

/** The defaults, with retries fast enough for a unit test, then `edit`. */
function testConfig(nodeName: string, edit: (config: ControllerConfig) => void): ControllerConfig {
  const config = defaultConfig({ namespace: NS, nodeName });
  config.retry = { baseMs: 5, maxMs: 50 };
  config.lease.retryPeriodMs = 10;
  config.reconcile.ownedElsewhereRetryMs = 20;
  edit(config);
  return config;
}

type Line = Record<string, unknown>;
const running: Array<{ controller: PlexdHookController; done: Promise<unknown> }> = [];

function launch(
  client: MemoryClient,
  node = "node-a",
  edit: (config: ControllerConfig) => void = () => {},
  signal?: AbortSignal,
) {
  const lines: Line[] = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  const controller = new PlexdHookController({ client, config: testConfig(node, edit), metrics: new Metrics(), logger });
  const done = controller.start(signal);
  done.catch(() => {});
  running.push({ controller, done });
  const logged = (msg: string) => lines.filter((l) => l.msg === msg);
  return { controller, done, lines, logged };
}

afterEach(async () => {
  for (const { controller, done } of running.splice(0)) {
    controller.stop();
    await done.catch(() => {});
  }
});

const phaseOf = (client: MemoryClient, name: string) => client.hook(name)?.status?.phase;

describe("the seed's watch-create-status cycle", () => {
  test("a new hook gets its Job pinned to the controller's node and status Pending with jobName and startedAt", async () => {
    const client = new MemoryClient();
    const { logged } = launch(client);
    client.addHook("disk-check-node01", { ...SEED_SPEC, nodeName: "node-a" });
    const job = await waitFor("the Job", () => client.job("plexdhook-disk-check-node01"));
    expect(job.spec?.template.spec?.nodeSelector).toEqual({ "kubernetes.io/hostname": "node-a" });
    const status = await waitFor("the status", () => client.hook("disk-check-node01")?.status);
    expect(status).toMatchObject({ jobName: "plexdhook-disk-check-node01", phase: "Pending", nodeName: "node-a" });
    expect(Date.parse(status.startedAt as string)).not.toBeNaN();
    expect(logged("plexdhook job created")[0]).toMatchObject({
      component: "plexdhook-controller",
      level: "info",
      hook: "disk-check-node01",
      job: "plexdhook-disk-check-node01",
      node: "node-a",
    });
  });

  test("start logs 'plexdhook controller started' with namespace and node", async () => {
    const { logged } = launch(new MemoryClient(), "node-z");
    expect(logged("plexdhook controller started")[0]).toMatchObject({
      component: "plexdhook-controller",
      level: "info",
      namespace: NS,
      node: "node-z",
    });
  });

  test("a hook whose status already names a Job is skipped", async () => {
    const client = new MemoryClient();
    client.addHook("done", { hookName: "x", nodeName: "node-a" }, { status: { jobName: "plexdhook-done", phase: "Pending" } });
    const { controller } = launch(client);
    await waitFor("the first sync", () => controller.ready);
    client.addHook("fresh", { hookName: "x", nodeName: "node-a" });
    await waitFor("the second hook's Job", () => client.job("plexdhook-fresh"));
    expect(client.job("plexdhook-done")).toBeUndefined();
    expect(client.calls.createJob).toBe(1);
    // No Job is made again; since the named Job does not exist, the hook says so instead of waiting forever.
    await waitFor("Failed", () => phaseOf(client, "done") === "Failed");
    expect(client.hook("done")?.status).toMatchObject({
      jobName: "plexdhook-done",
      message: expect.stringContaining("Job plexdhook-done no longer exists"),
    });
  });

  test("a Job name held by another owner is waited on, then reported", async () => {
    const client = new MemoryClient();
    await client.createJob({
      metadata: {
        name: "plexdhook-taken",
        namespace: NS,
        ownerReferences: [{ apiVersion: "v1", kind: "PlexdHook", name: "taken", uid: "old-uid", controller: true }],
      },
    });
    const { logged } = launch(client, "node-a", (c) => {
      c.reconcile.ownedElsewhereGiveUpMs = 1_500;
    });
    client.addHook("taken", { hookName: "x", nodeName: "node-a" });
    await waitFor("Failed", () => phaseOf(client, "taken") === "Failed");
    expect(logged("job name held by another owner, waiting").length).toBeGreaterThan(0);
    expect(client.hook("taken")?.status?.message).toBe(
      "Job plexdhook-taken exists and belongs to another owner (uid old-uid): delete that Job, or give this PlexdHook another name",
    );
  });

  test("a Job that already exists is logged at info and the hook still gets its status", async () => {
    const client = new MemoryClient();
    // Created behind the controller's back, so its cache does not know it.
    await client.createJob({ metadata: { name: "plexdhook-pre", namespace: NS, labels: {} } });
    const { logged } = launch(client);
    client.addHook("pre", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "pre") === "Pending");
    expect(client.hook("pre")?.status?.jobName).toBe("plexdhook-pre");
    expect(logged("plexdhook job already exists")[0]).toMatchObject({ level: "info", hook: "pre", job: "plexdhook-pre" });
  });

  test("a create error sets Failed with the error message and logs it at error level", async () => {
    const client = new MemoryClient();
    client.faults.createJob = () =>
      new ApiError('jobs.batch is forbidden: User "x" cannot create resource "jobs"', 403, "Forbidden");
    const { logged } = launch(client);
    client.addHook("denied", { hookName: "x", nodeName: "node-a" });
    await waitFor("Failed", () => phaseOf(client, "denied") === "Failed");
    expect(client.hook("denied")?.status?.message).toContain("cannot create resource");
    expect(logged("plexdhook job creation failed")[0]).toMatchObject({ level: "error", hook: "denied" });
    expect(String(logged("plexdhook job creation failed")[0]?.error)).toContain("forbidden");
    expect(client.calls.createJob).toBe(1);
  });

  test("transient create errors are retried before anything is called Failed", async () => {
    const client = new MemoryClient();
    let failures = 2;
    client.faults.createJob = () =>
      failures-- > 0 ? new ApiError("etcdserver: leader changed", 503, "ServiceUnavailable") : undefined;
    launch(client);
    client.addHook("flaky", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "flaky") === "Pending");
    expect(client.calls.createJob).toBe(3);
  });

  test("transient create errors that never end fail the hook after the retries", async () => {
    const client = new MemoryClient();
    client.faults.createJob = () => new ApiError("too many requests", 429, "TooManyRequests");
    launch(client, "node-a", (c) => {
      c.reconcile.transientRetryWindowMs = 100;
    });
    client.addHook("throttled", { hookName: "x", nodeName: "node-a" });
    await waitFor("Failed", () => phaseOf(client, "throttled") === "Failed");
    expect(client.calls.createJob).toBeGreaterThan(1);
    expect(client.hook("throttled")?.status?.message).toContain("too many requests");
  });

  test("a failed status update is logged at warn and does not stop the next hook", async () => {
    const client = new MemoryClient();
    let failOnce = true;
    client.faults.updateHookStatus = (hook) => {
      if (hook.metadata.name === "first" && failOnce) {
        failOnce = false;
        return new ApiError("Internal error occurred", 500, "InternalError");
      }
      return undefined;
    };
    const { logged } = launch(client);
    client.addHook("first", { hookName: "x", nodeName: "node-a" });
    client.addHook("second", { hookName: "x", nodeName: "node-a" });
    await waitFor("the second hook", () => phaseOf(client, "second") === "Pending");
    await waitFor("the first hook, after a retry", () => phaseOf(client, "first") === "Pending");
    expect(logged("plexdhook status update failed")[0]).toMatchObject({
      level: "warn",
      hook: "first",
      error: expect.stringContaining("Internal error"),
    });
    expect(client.calls.createJob).toBe(2);
  });

  test("a status conflict is retried on fresh data", async () => {
    const client = new MemoryClient();
    let conflicts = 1;
    client.faults.updateHookStatus = () =>
      conflicts-- > 0 ? new ApiError("the object has been modified", 409, "Conflict") : undefined;
    launch(client);
    client.addHook("contended", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "contended") === "Pending");
    expect(client.calls.createJob).toBe(1);
  });

  test("colliding parameter names end Failed with a message naming both", async () => {
    const client = new MemoryClient();
    launch(client);
    client.addHook("collide", {
      hookName: "x",
      nodeName: "node-a",
      parameters: [
        { name: "a-b", value: "1" },
        { name: "a_b", value: "2" },
      ],
    });
    await waitFor("Failed", () => phaseOf(client, "collide") === "Failed");
    expect(client.hook("collide")?.status?.message).toContain('Parameters "a-b" and "a_b"');
    expect(client.job("plexdhook-collide")).toBeUndefined();
  });
});

describe("start() and stop()", () => {
  test("start() rejects with a 'kubernetes: plexdhook: watch:' error when the first watch fails", async () => {
    const client = new MemoryClient();
    const cause = new ApiError("the server could not find the requested resource", 404, "NotFound");
    client.faults.watchHooks = () => cause;
    const { done } = launch(client);
    const err = (await done.then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err.message.startsWith("kubernetes: plexdhook: watch:")).toBe(true);
    expect(err.cause).toBe(cause);
  });

  test("start() resolves when the client's event stream ends", async () => {
    const client = new MemoryClient();
    const { controller, done } = launch(client);
    await waitFor("the first sync", () => controller.ready);
    client.endStreams();
    expect(await done).toBeUndefined();
  });

  test("start() rejects with the abort reason when its signal is cancelled", async () => {
    const abort = new AbortController();
    const { controller, done } = launch(new MemoryClient(), "node-a", undefined, abort.signal);
    await waitFor("the first sync", () => controller.ready);
    const reason = new Error("shutting down");
    abort.abort(reason);
    expect(
      await done.then(
        () => undefined,
        (e: unknown) => e,
      ),
    ).toBe(reason);
  });

  test("stop() makes start() return", async () => {
    const { controller, done } = launch(new MemoryClient());
    await waitFor("the first sync", () => controller.ready);
    controller.stop();
    expect(await done).toBeUndefined();
  });

  test("hooks that existed before start are handled", async () => {
    const client = new MemoryClient();
    client.addHook("waiting", { hookName: "x", nodeName: "node-a" });
    launch(client);
    await waitFor("Pending", () => phaseOf(client, "waiting") === "Pending");
  });
});

describe("lifecycle and targeting", () => {
  test("a hook follows its Job to Succeeded with completedAt and Events", async () => {
    const client = new MemoryClient();
    launch(client);
    client.addHook("life", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "life") === "Pending");
    client.setJobStatus("plexdhook-life", { active: 1, ready: 1 });
    await waitFor("Running", () => phaseOf(client, "life") === "Running");
    client.setJobStatus("plexdhook-life", {
      conditions: [{ type: "Complete", status: "True" }],
      completionTime: new Date("2026-11-22T10:00:00Z"),
    });
    await waitFor("Succeeded", () => phaseOf(client, "life") === "Succeeded");
    expect(client.hook("life")?.status?.completedAt).toBe("2026-11-22T10:00:00.000Z");
    expect(client.events.map((e) => e.reason)).toEqual(["JobCreated", "HookRunning", "HookSucceeded"]);
  });

  test("a Job deleted as soon as it completed still makes the hook Succeeded", async () => {
    const client = new MemoryClient();
    launch(client);
    client.addHook("ttl0", { hookName: "x", nodeName: "node-a", ttlSecondsAfterFinished: 0 });
    await waitFor("Pending", () => phaseOf(client, "ttl0") === "Pending");
    client.setJobStatus("plexdhook-ttl0", { conditions: [{ type: "Complete", status: "True" }], completionTime: new Date() });
    client.jobs.remove(`${NS}/plexdhook-ttl0`);
    await waitFor("Succeeded", () => phaseOf(client, "ttl0") === "Succeeded");
  });

  test("a Job deleted while it runs fails the hook with a message that says so", async () => {
    const client = new MemoryClient();
    launch(client);
    client.addHook("cut", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "cut") === "Pending");
    client.jobs.remove(`${NS}/plexdhook-cut`);
    await waitFor("Failed", () => phaseOf(client, "cut") === "Failed");
    expect(client.hook("cut")?.status?.message).toStartWith("Job plexdhook-cut no longer exists");
  });

  test("a create that timed out but was carried out is found, not failed", async () => {
    const client = new MemoryClient();
    client.faults.createJob = (job) => {
      client.jobs.put({ ...job, metadata: { ...job.metadata, labels: {} } });
      return new ApiError("context deadline exceeded", 504, "Timeout");
    };
    launch(client, "node-a", (c) => {
      c.reconcile.transientRetryWindowMs = 0;
    });
    client.addHook("slowcreate", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "slowcreate") === "Pending");
    expect(client.calls.createJob).toBe(1);
  });

  test("a failed Job fails the hook with the container's exit code", async () => {
    const client = new MemoryClient();
    launch(client);
    client.addHook("bad", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "bad") === "Pending");
    client.pods.push({
      metadata: { name: "plexdhook-bad-x1", namespace: NS, labels: { "batch.kubernetes.io/job-name": "plexdhook-bad" } },
      status: {
        containerStatuses: [
          {
            name: "hook",
            image: "i",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 7, reason: "Error" } },
          },
        ],
      },
    });
    client.setJobStatus("plexdhook-bad", {
      conditions: [
        {
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
        },
      ],
    });
    await waitFor("Failed", () => phaseOf(client, "bad") === "Failed");
    expect(client.hook("bad")?.status?.message).toContain("exited with code 7");
  });

  test("a hook aimed at another node is left to that node's controller", async () => {
    const client = new MemoryClient();
    launch(client, "node-a");
    client.addHook("elsewhere", { hookName: "x", nodeName: "node-b" });
    client.addHook("here", { hookName: "x", nodeName: "node-a" });
    await waitFor("the local hook", () => phaseOf(client, "here") === "Pending");
    expect(client.job("plexdhook-elsewhere")).toBeUndefined();
    expect(client.calls.watchHooks.map((w) => w.fieldSelector)).toContain("spec.nodeName=node-a");
  });

  test("an untargeted hook gets exactly one Job among three controllers", async () => {
    const client = new MemoryClient();
    launch(client, "node-a");
    launch(client, "node-b");
    launch(client, "node-c");
    await waitFor("a lease", () => client.leases.objects.size === 1);
    for (let i = 0; i < 5; i++) client.addHook(`free-${i}`, { hookName: "x" });
    for (let i = 0; i < 5; i++) await waitFor(`free-${i}`, () => phaseOf(client, `free-${i}`) === "Pending");
    expect(client.calls.createJob).toBe(5);
    const holder = [...client.leases.objects.values()][0]?.spec.holderIdentity ?? "";
    const nodes = new Set([0, 1, 2, 3, 4].map((i) => client.hook(`free-${i}`)?.status?.nodeName));
    expect(nodes.size).toBe(1);
    expect(holder.startsWith(`${[...nodes][0]}_`)).toBe(true);
  });

  test("the Lease holder reports a hook aimed at a node where no controller runs, and leaves others alone", async () => {
    const client = new MemoryClient();
    launch(client, "node-a", (c) => {
      c.unclaimed = { afterMs: 1_000, everyMs: 20 };
    });
    const long = new Date(Date.now() - 5_000);
    client.addHook("ghost", { hookName: "x", nodeName: "node-ghost" }, { created: long });
    client.addHook("fresh-ghost", { hookName: "x", nodeName: "node-ghost" });
    await waitFor("the report", () => client.hook("ghost")?.status?.message);
    expect(client.hook("ghost")?.status).toMatchObject({
      phase: "Pending",
      message: expect.stringContaining("check that node node-ghost exists and runs the plexd-hook DaemonSet"),
    });
    expect(client.hook("ghost")?.status?.jobName).toBeUndefined();
    expect(client.hook("fresh-ghost")?.status).toBeUndefined();
    expect(client.events.map((e) => e.reason)).toContain("NoController");
  });

  test("cluster mode pins each Job to the hook's spec.nodeName", async () => {
    const client = new MemoryClient();
    launch(client, "", (c) => {
      c.allNodes = true;
    });
    client.addHook("on-b", { hookName: "x", nodeName: "node-b" });
    client.addHook("on-c", { hookName: "x", nodeName: "node-c" });
    const b = await waitFor("job b", () => client.job("plexdhook-on-b"));
    const c = await waitFor("job c", () => client.job("plexdhook-on-c"));
    expect(b.spec?.template.spec?.nodeSelector?.["kubernetes.io/hostname"]).toBe("node-b");
    expect(c.spec?.template.spec?.nodeSelector?.["kubernetes.io/hostname"]).toBe("node-c");
  });
});
