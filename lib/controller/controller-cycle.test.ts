// The watch-create-status cycle through a running controller: its log lines, retries and failures.

import { afterEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../tests/cluster/wait.ts";
import { launch, NS, phaseOf, stopAll } from "../../tests/support/controller.ts";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { SEED_SPEC } from "../../tests/support/seed.ts";
import { ApiError } from "../kube/errors.ts";

afterEach(stopAll);

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
      "Job plexdhook-taken exists and is not this PlexdHook's (its controller is another PlexdHook (uid old-uid)), so it is neither adopted nor run again: delete that Job and create this PlexdHook again, or create it under another name",
    );
    // The test's own create, and the controller's one attempt (AlreadyExists).
    expect(client.calls.createJob).toBe(2);
  });

  test("a Job that already exists is logged at info; not being the hook's, it is reported, not adopted", async () => {
    const client = new MemoryClient();
    // Created behind the controller's back, so its cache does not know it.
    await client.createJob({ metadata: { name: "plexdhook-pre", namespace: NS, labels: {} } });
    const { logged } = launch(client);
    client.addHook("pre", { hookName: "x", nodeName: "node-a" });
    await waitFor("Failed", () => phaseOf(client, "pre") === "Failed");
    // As the seed's AlreadyExists: the status still names the Job (which the message says is not this hook's).
    expect(client.hook("pre")?.status?.jobName).toBe("plexdhook-pre");
    expect(client.hook("pre")?.status?.message).toContain("Job plexdhook-pre exists and is not this PlexdHook's");
    expect(client.hook("pre")?.status?.conditions?.[0]?.reason).toBe("JobOwnedElsewhere");
    expect(logged("plexdhook job already exists")[0]).toMatchObject({ level: "info", hook: "pre", job: "plexdhook-pre" });
  });

  test("a create error sets Failed with the error message and logs it at error level", async () => {
    const client = new MemoryClient();
    client.faults.createJob = () =>
      new ApiError('jobs.batch is forbidden: User "x" cannot create resource "jobs"', 403, "Forbidden");
    const { logged } = launch(client, "node-a", (c) => {
      c.reconcile.forbiddenRetryWindowMs = 0;
    });
    client.addHook("denied", { hookName: "x", nodeName: "node-a" });
    await waitFor("Failed", () => phaseOf(client, "denied") === "Failed");
    expect(client.hook("denied")?.status?.message).toContain("cannot create resource");
    expect(logged("plexdhook job creation failed")[0]).toMatchObject({ level: "error", hook: "denied" });
    expect(String(logged("plexdhook job creation failed")[0]?.error)).toContain("forbidden");
    expect(client.calls.createJob).toBe(1);
  });

  test("an authorizer's 403 on create (RoleBindings not known yet after an API server restart) is retried a while", async () => {
    const client = new MemoryClient();
    let refusals = 3;
    client.faults.createJob = () =>
      refusals-- > 0
        ? new ApiError('jobs.batch is forbidden: User "x" cannot create resource "jobs"', 403, "Forbidden")
        : undefined;
    launch(client);
    client.addHook("early", { hookName: "x", nodeName: "node-a" });
    await waitFor("Pending", () => phaseOf(client, "early") === "Pending");
    expect(client.calls.createJob).toBe(4);
    expect(client.job("plexdhook-early")).toBeDefined();
  });

  test("transient create errors are retried before anything is called Failed", async () => {
    const client = new MemoryClient();
    let failures = 2;
    client.faults.createJob = () =>
      failures-- > 0 ? new ApiError("etcdserver: leader changed", 503, "ServiceUnavailable") : undefined;
    launch(client);
    client.addHook("flaky", { hookName: "x", nodeName: "node-a" });
    // Pending comes with the claim, before the create; JobCreated True only once the Job exists.
    const created = () => client.hook("flaky")?.status?.conditions?.some((c) => c.type === "JobCreated" && c.status === "True");
    await waitFor("JobCreated", created);
    expect(client.calls.createJob).toBe(3);
  });

  test("server errors on create that never end fail the hook after the retries (a 429 never does, see controller.test.ts)", async () => {
    const client = new MemoryClient();
    client.faults.createJob = () =>
      new ApiError("the server is currently unable to handle the request", 503, "ServiceUnavailable");
    launch(client, "node-a", (c) => {
      c.reconcile.transientRetryWindowMs = 100;
    });
    client.addHook("throttled", { hookName: "x", nodeName: "node-a" });
    await waitFor("Failed", () => phaseOf(client, "throttled") === "Failed");
    expect(client.calls.createJob).toBeGreaterThan(1);
    expect(client.hook("throttled")?.status?.message).toContain("unable to handle the request");
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
