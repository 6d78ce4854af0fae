// The controller running over the in-memory client: start and stop, the Job lifecycle, targeting and modes.

import { afterEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../tests/cluster/wait.ts";
import { launch, NS, phaseOf, stopAll } from "../../tests/support/controller.ts";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { failedPod } from "../../tests/support/pods.ts";
import { ApiError } from "../kube/errors.ts";

afterEach(stopAll);

describe("start() and stop()", () => {
  test("workers start only once the hook and the Job caches have synced", async () => {
    const client = new MemoryClient();
    // The Job watch delivers its first list late: until then the controller cannot know which Jobs exist.
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const watchJobs = client.watchJobs.bind(client);
    client.watchJobs = async (scope) => {
      const stream = await watchJobs(scope);
      return (async function* () {
        await released;
        yield* stream;
      })();
    };
    client.addHook("early", { hookName: "x", nodeName: "node-a" });
    const { controller } = launch(client);
    await Bun.sleep(200);
    expect([client.calls.createJob, client.calls.updateHookStatus, controller.ready]).toEqual([0, 0, false]);
    release();
    await waitFor("Pending", () => phaseOf(client, "early") === "Pending");
    expect(controller.ready).toBe(true);
  });

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

  test("an API server shedding load (429) past the retry window never fails the hook: the create waits its turn", async () => {
    const client = new MemoryClient();
    let throttled = 4;
    client.faults.createJob = () =>
      throttled-- > 0 ? new ApiError("Too many requests, please try again later.", 429, "TooManyRequests") : undefined;
    launch(client, "node-a", (c) => {
      c.reconcile.transientRetryWindowMs = 0;
    });
    client.addHook("busy", { hookName: "x", nodeName: "node-a" });
    await waitFor("a Job", () => client.job("plexdhook-busy") !== undefined);
    await waitFor("Pending", () => client.hook("busy")?.status?.conditions?.some((c) => c.reason === "JobCreated"));
    expect(phaseOf(client, "busy")).toBe("Pending");
    expect(client.calls.createJob).toBe(5);
  });

  test("a failed Job fails the hook with the container's exit code", async () => {
    const client = new MemoryClient();
    launch(client);
    client.addHook("bad", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "bad") === "Pending");
    const labels = { "batch.kubernetes.io/controller-uid": "uid-job-plexdhook-bad" };
    client.pods.push({ ...failedPod, metadata: { name: "plexdhook-bad-x1", namespace: NS, labels } });
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
    expect(client.hook("bad")?.status?.message).toContain("exited with code 3");
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

  test("a node agent leaves untargeted hooks alone until the fleet controller assigns one to its node", async () => {
    const client = new MemoryClient();
    launch(client, "node-a");
    client.addHook("free", { hookName: "x" });
    client.addHook("given", { hookName: "x" }, { status: { phase: "Pending", nodeName: "node-a" } });
    await waitFor("the assigned hook's Job", () => client.job("plexdhook-given"));
    expect(client.job("plexdhook-free")).toBeUndefined();
    expect(client.hook("free")?.status).toBeUndefined();
    expect(client.leases.objects.size).toBe(0);
    expect(client.calls.watchHooks.map((w) => w.fieldSelector)).toContain("spec.nodeName=,status.nodeName=node-a");
  });

  test("a node agent leaves a privileged hook's Job to the fleet controller, then follows it", async () => {
    const client = new MemoryClient();
    launch(client, "node-a");
    client.addHook("root", { hookName: "x", nodeName: "node-a", privileged: true });
    client.addHook("plain", { hookName: "x", nodeName: "node-a" });
    await waitFor("the unprivileged hook's Job", () => client.job("plexdhook-plain"));
    expect(client.job("plexdhook-root")).toBeUndefined();
    expect(client.hook("root")?.status).toBeUndefined();
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
