// reconcile(key) as a table: each case is a hook and the caches, in; the API calls, outcome and status, out.

import { describe, expect, test } from "bun:test";
import { arrange, type Case, hookDeleted, NOW } from "../../tests/support/reconciler.ts";
import type { Job, PlexdHookStatus } from "../core/types.ts";
import { ApiError } from "../kube/errors.ts";

const NS = "plexd-system";

const tracked: PlexdHookStatus = { jobName: "plexdhook-h", phase: "Pending", nodeName: "node-a", startedAt: NOW.toISOString() };
const complete: Job["status"] = { conditions: [{ type: "Complete", status: "True" }], completionTime: NOW };
/** Two writes: the Job (held by JOB_FINALIZER until its outcome is recorded), then the status naming it. */
const createThenStatus = ["createJob plexdhook-h", "updateHookStatus h"];

const cases: Record<string, Case> = {
  "a new hook aimed at this node gets its Job, then Pending": {
    hook: { spec: { nodeName: "node-a" } },
    calls: createThenStatus,
    status: { phase: "Pending", jobName: "plexdhook-h", nodeName: "node-a", startedAt: NOW.toISOString() },
    events: ["JobCreated"],
  },
  "a hook aimed at another node is left to that node's controller": {
    hook: { spec: { nodeName: "node-b" } },
    calls: [],
    status: undefined,
  },
  "an agent leaves a hook without spec.nodeName alone until the fleet controller assigns it": {
    hook: {},
    calls: [],
    status: undefined,
  },
  "an agent runs a hook without spec.nodeName that the fleet controller assigned to its node": {
    hook: { status: { phase: "Pending", nodeName: "node-a" } },
    calls: createThenStatus,
    status: { phase: "Pending", nodeName: "node-a" },
    events: ["JobCreated"],
  },
  "an agent leaves a hook that drains its node alone until the drain is Complete": {
    hook: { spec: { nodeName: "node-a", drain: { enabled: true } }, status: { phase: "Pending", drain: { stage: "Blocked" } } },
    calls: [],
    status: { phase: "Pending", drain: { stage: "Blocked" } },
  },
  "an agent creates the Job of a hook whose drain is Complete, keeping status.drain": {
    hook: { spec: { nodeName: "node-a", drain: { enabled: true } }, status: { phase: "Pending", drain: { stage: "Complete" } } },
    calls: createThenStatus,
    status: { phase: "Pending", jobName: "plexdhook-h", drain: { stage: "Complete" } },
    events: ["JobCreated"],
  },
  "the fleet controller leaves a privileged hook that drains its node alone until the drain is Complete": {
    hook: { spec: { nodeName: "node-b", privileged: true, drain: { enabled: true } } },
    self: { role: "fleet", nodeName: "", leader: true },
    calls: [],
    status: undefined,
  },
  "an agent does not create a privileged hook's Job: the fleet controller does": {
    hook: { spec: { nodeName: "node-a", privileged: true } },
    calls: [],
    status: undefined,
  },
  "the fleet controller creates a privileged hook's Job on the hook's node": {
    hook: { spec: { nodeName: "node-b", privileged: true } },
    self: { role: "fleet", nodeName: "", leader: true },
    calls: createThenStatus,
    status: { phase: "Pending", nodeName: "node-b" },
    events: ["JobCreated"],
  },
  "cluster mode pins the Job to spec.nodeName": {
    hook: { spec: { nodeName: "node-c" } },
    self: { role: "cluster", nodeName: "", leader: true },
    calls: createThenStatus,
    status: { phase: "Pending", nodeName: "node-c" },
    events: ["JobCreated"],
  },
  "cluster mode writes nothing from a replica that does not hold the Lease": {
    hook: { spec: { nodeName: "node-c" } },
    self: { role: "cluster", nodeName: "" },
    calls: [],
    status: undefined,
    events: [],
  },
  "a Job already in the cache is recorded, not created again": {
    hook: { spec: { nodeName: "node-a" } },
    job: { where: "cached", owner: "hook" },
    calls: ["updateHookStatus h"],
    status: { phase: "Pending", jobName: "plexdhook-h" },
    events: [],
  },
  "AlreadyExists reads the Job and records it": {
    hook: { spec: { nodeName: "node-a" } },
    job: { where: "api", owner: "hook" },
    calls: ["createJob plexdhook-h", "getJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Pending", jobName: "plexdhook-h" },
    events: [],
  },
  "a Job name another owner holds is waited on while the hook is young": {
    hook: { spec: { nodeName: "node-a" }, ageSeconds: 10 },
    job: { where: "cached", owner: "other" },
    calls: [],
    outcome: { requeueAfterMs: 2_000 },
    status: undefined,
  },
  "a Job name another owner holds fails the hook once it is old": {
    hook: { spec: { nodeName: "node-a" }, ageSeconds: 120 },
    job: { where: "cached", owner: "other" },
    calls: ["updateHookStatus h"],
    status: {
      phase: "Failed",
      message: expect.stringContaining("is not this PlexdHook's (its controller is another PlexdHook (uid uid-other))"),
    },
    events: ["HookFailed"],
  },
  "parameters that map to one variable fail the hook without a Job": {
    hook: {
      spec: {
        nodeName: "node-a",
        parameters: [
          { name: "a-b", value: "1" },
          { name: "a_b", value: "2" },
        ],
      },
    },
    calls: ["updateHookStatus h"],
    status: { phase: "Failed", message: expect.stringContaining('Parameters "a-b" and "a_b"') },
    events: ["HookFailed"],
  },
  "a forbidden create fails the hook with the API's message": {
    hook: { spec: { nodeName: "node-a" } },
    faults: { createJob: () => new ApiError("jobs.batch is forbidden", 403, "Forbidden") },
    calls: createThenStatus,
    status: { phase: "Failed", message: expect.stringContaining("Creating Job plexdhook-h failed: jobs.batch is forbidden") },
    events: ["HookFailed"],
  },
  "a hook whose Job runs becomes Running": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", status: { active: 1, ready: 1 } },
    calls: ["updateHookStatus h"],
    status: { phase: "Running", startedAt: NOW.toISOString() },
    events: ["HookRunning"],
  },
  "a hook whose Job completed becomes Succeeded": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", status: complete },
    calls: ["updateHookStatus h"],
    status: { phase: "Succeeded", completedAt: NOW.toISOString() },
    events: ["HookSucceeded"],
  },
  "a Job missing from the cache is read from the API": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "api", owner: "hook", status: complete },
    calls: ["getJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Succeeded" },
    events: ["HookSucceeded"],
  },
  "a Job deleted once it finished still says how it ended": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "gone", owner: "hook", status: complete },
    calls: ["getJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Succeeded" },
    events: ["HookSucceeded"],
  },
  "a Job deleted while it ran fails the hook": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "gone", owner: "hook", status: { active: 1, ready: 1 } },
    calls: ["getJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Failed", message: expect.stringContaining("Job plexdhook-h no longer exists") },
    events: ["HookFailed"],
  },
  "a Job without a pod after its start grace is asked why, and looked at again later": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", status: {}, ageSeconds: 30 },
    calls: ["listEvents", "updateHookStatus h"],
    outcome: { requeueAfterMs: 30_000 },
    status: { phase: "Pending" },
    events: [],
  },
  "a Job still without a pod at two minutes is not looked at again on a timer: its changes and the resync will": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", status: {}, ageSeconds: 120 },
    calls: ["listEvents", "updateHookStatus h"],
    status: { phase: "Pending" },
    events: [],
  },
  "a Job that finished and was deleted (ttlSecondsAfterFinished: 0) while no controller ran is held until its outcome is recorded":
    {
      hook: { spec: { nodeName: "node-a", ttlSecondsAfterFinished: 0 } },
      job: { where: "cached", owner: "hook", status: complete, held: true, deleting: true },
      calls: ["updateHookStatus h", "releaseJob plexdhook-h"],
      status: { phase: "Succeeded", jobName: "plexdhook-h" },
      events: ["HookSucceeded"],
    },
  "a held Job is released once the status holds its outcome": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", status: complete, held: true },
    calls: ["updateHookStatus h", "releaseJob plexdhook-h"],
    status: { phase: "Succeeded" },
    events: ["HookSucceeded"],
  },
  "a held Job deleted by hand before it ended fails the hook, then is released": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", status: { active: 1, ready: 1 }, held: true, deleting: true },
    calls: ["updateHookStatus h", "releaseJob plexdhook-h"],
    status: { phase: "Failed", message: expect.stringContaining("Job plexdhook-h was deleted before it ended") },
    events: ["HookFailed"],
  },
  "a finished hook whose Job is still held releases it": {
    hook: { spec: { nodeName: "node-a" }, status: { ...tracked, phase: "Succeeded" } },
    job: { where: "cached", owner: "hook", status: complete, held: true },
    calls: ["releaseJob plexdhook-h"],
    status: { phase: "Succeeded" },
  },
  "a finished hook is not touched": {
    hook: { spec: { nodeName: "node-a" }, status: { ...tracked, phase: "Succeeded" } },
    job: { where: "cached", owner: "hook", status: { active: 1, ready: 1 } },
    calls: [],
    status: { phase: "Succeeded" },
  },
};

describe("reconcile(key): hook and caches in, API calls and status out", () => {
  test.each(Object.entries(cases))("reconcile(): %s", async (_name, c) => {
    const { client, reconciler } = arrange(c);
    const outcome = await reconciler.reconcile(`${NS}/h`);
    expect(client.log).toEqual(c.calls);
    expect(outcome).toEqual(c.outcome);
    const status = client.hook("h")?.status;
    if (c.status === undefined) expect(status).toBeUndefined();
    else expect(status).toMatchObject(c.status);
    if (c.events) expect(client.events.map((e) => e.reason)).toEqual(c.events);
  });

  test("reconcile() is idempotent: a second pass over the written status makes no request", async () => {
    const { client, reconciler } = arrange(cases["a Job already in the cache is recorded, not created again"] as Case);
    await reconciler.reconcile(`${NS}/h`);
    client.log.length = 0;
    await reconciler.reconcile(`${NS}/h`);
    expect(client.log).toEqual([]);
  });

  test("reconcile() keeps the end of the pod's log in status.output when a hook that asks for it ends", async () => {
    const c: Case = {
      ...(cases["a hook whose Job completed becomes Succeeded"] as Case),
      hook: { spec: { nodeName: "node-a", output: { tailLines: 2, maxBytes: 9 } }, status: tracked },
    };
    const { client, reconciler } = arrange(c);
    client.pods.push({
      metadata: { name: "plexdhook-h-x", namespace: NS, labels: { "batch.kubernetes.io/controller-uid": "uid-job-h" } },
    });
    client.logs.set("plexdhook-h-x/hook", "one\ntwo\nthree\n");
    await reconciler.reconcile(`${NS}/h`);
    expect(client.hook("h")?.status).toMatchObject({ phase: "Succeeded", output: "wo\nthree\n" });
  });

  test("reconcile() of a deleted hook releases its Job once the garbage collector deletes it, not before", async () => {
    const c: Case = {
      hook: {},
      job: { where: "cached", owner: "hook", status: { active: 1 }, held: true },
      calls: [],
      status: undefined,
    };
    const { client, reconciler, hooks, jobs } = arrange(c);
    hooks.storeEvent("own", hookDeleted("h"));
    await reconciler.reconcile(`${NS}/h`);
    expect(client.log).toEqual([]);
    client.deleteJob("plexdhook-h");
    jobs.storeEvent({ type: "MODIFIED", object: client.job("plexdhook-h") as Job });
    await reconciler.reconcile(`${NS}/h`);
    expect(client.log).toEqual(["releaseJob plexdhook-h"]);
    expect(client.job("plexdhook-h")).toBeUndefined();
  });

  test("reconcile() of a key the cache does not hold does nothing", async () => {
    const { client, reconciler } = arrange(cases["a new hook aimed at this node gets its Job, then Pending"] as Case);
    expect(await reconciler.reconcile(`${NS}/deleted`)).toBeUndefined();
    expect(client.log).toEqual([]);
  });

  test("reconcile() throws for a retry when the status write conflicts", async () => {
    const c: Case = { ...(cases["a Job already in the cache is recorded, not created again"] as Case) };
    c.faults = { updateHookStatus: () => new ApiError("the object has been modified", 409, "Conflict") };
    const { reconciler } = arrange(c);
    await expect(reconciler.reconcile(`${NS}/h`)).rejects.toThrow("status conflict");
  });
});
