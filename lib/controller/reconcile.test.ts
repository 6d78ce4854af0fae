import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { type Faults, MemoryClient } from "../../tests/support/memory-client.ts";
import { keyOf } from "../core/names.ts";
import type { Self } from "../core/ownership.ts";
import type { Job, PlexdHookSpec, PlexdHookStatus } from "../core/types.ts";
import { ApiError } from "../kube/errors.ts";
import { Metrics } from "../observe/metrics.ts";
import { Diagnostics } from "./diagnose.ts";
import { EventRecorder } from "./events.ts";
import { HookCache } from "./hook-cache.ts";
import { JobCache } from "./job-cache.ts";
import { Reconciler } from "./reconcile.ts";
import { StatusWriter } from "./status-writer.ts";
import type { Outcome } from "./work-queue.ts";

const NS = "plexd-system";
const NOW = new Date("2026-11-22T10:00:00Z");
const quiet = pino({ level: "silent" });

/** Where the hook's Job is before the reconcile: in the cache, only in the API, or deleted (as last seen). */
type JobPlace = "cached" | "api" | "gone";

interface Case {
  hook: { spec?: Partial<PlexdHookSpec>; status?: PlexdHookStatus; ageSeconds?: number };
  job?: { where: JobPlace; status?: Job["status"]; owner?: "hook" | "other"; ageSeconds?: number };
  self?: Partial<Self>;
  faults?: Faults;
  /** The requests reconcile makes, in order (see MemoryClient.log). */
  calls: string[];
  outcome?: Outcome;
  /** The hook's status afterwards; undefined: never written. */
  status: Partial<PlexdHookStatus> | undefined;
  /** Reasons of the Events recorded on the hook. */
  events?: string[];
}

const tracked: PlexdHookStatus = { jobName: "plexdhook-h", phase: "Pending", nodeName: "node-a", startedAt: NOW.toISOString() };
const complete: Job["status"] = { conditions: [{ type: "Complete", status: "True" }], completionTime: NOW };

const cases: Record<string, Case> = {
  "a new hook aimed at this node gets its Job, then Pending": {
    hook: { spec: { nodeName: "node-a" } },
    calls: ["createJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Pending", jobName: "plexdhook-h", nodeName: "node-a", startedAt: NOW.toISOString() },
    events: ["JobCreated"],
  },
  "a hook aimed at another node is left to that node's controller": {
    hook: { spec: { nodeName: "node-b" } },
    calls: [],
    status: undefined,
  },
  "a hook without spec.nodeName waits while this controller does not hold the Lease": {
    hook: {},
    calls: [],
    status: undefined,
  },
  "the Lease holder runs a hook without spec.nodeName on its own node": {
    hook: {},
    self: { leader: true },
    calls: ["createJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Pending", nodeName: "node-a" },
    events: ["JobCreated"],
  },
  "cluster mode pins the Job to spec.nodeName": {
    hook: { spec: { nodeName: "node-c" } },
    self: { allNodes: true, nodeName: "", leader: true },
    calls: ["createJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Pending", nodeName: "node-c" },
    events: ["JobCreated"],
  },
  "cluster mode writes nothing from a replica that does not hold the Lease": {
    hook: { spec: { nodeName: "node-c" } },
    self: { allNodes: true, nodeName: "" },
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
    status: { phase: "Failed", message: expect.stringContaining("belongs to another owner (uid uid-other)") },
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
    calls: ["createJob plexdhook-h", "updateHookStatus h"],
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
    outcome: { requeueAfterMs: 15_000 },
    status: { phase: "Pending" },
    events: [],
  },
  "a finished hook is not touched": {
    hook: { spec: { nodeName: "node-a" }, status: { ...tracked, phase: "Succeeded" } },
    job: { where: "cached", owner: "hook", status: { active: 1, ready: 1 } },
    calls: [],
    status: { phase: "Succeeded" },
  },
};

/** Sets up the client and the caches as the case says, and a Reconciler over them. */
function arrange(c: Case) {
  const client = new MemoryClient();
  client.faults = c.faults ?? {};
  const created = new Date(NOW.getTime() - (c.hook.ageSeconds ?? 1) * 1000);
  const hook = client.addHook("h", { hookName: "x", ...c.hook.spec }, { status: c.hook.status, created });
  const hooks = new HookCache();
  hooks.set("own", keyOf(hook), hook);
  const jobs = new JobCache();
  if (c.job) {
    const uid = c.job.owner === "other" ? "uid-other" : hook.metadata.uid;
    const job = client.jobs.put({
      metadata: {
        name: "plexdhook-h",
        namespace: NS,
        uid: "uid-job-h",
        creationTimestamp: new Date(NOW.getTime() - (c.job.ageSeconds ?? 1) * 1000),
        ownerReferences: [{ apiVersion: "plexd.plexsphere.com/v1alpha1", kind: "PlexdHook", name: "h", uid, controller: true }],
      },
      status: c.job.status,
    });
    if (c.job.where === "cached") jobs.set(keyOf(job), job);
    if (c.job.where === "gone") {
      client.jobs.remove(keyOf(job));
      jobs.remove(keyOf(job), job);
    }
  }
  const now = () => NOW;
  const events = new EventRecorder(client, "node-a", quiet, now);
  const reconciler = new Reconciler({
    client,
    hooks,
    jobs,
    status: new StatusWriter({ client, hooks, events, logger: quiet }),
    diagnostics: new Diagnostics(client, now),
    self: () => ({ nodeName: "node-a", allNodes: false, leader: false, ...c.self }),
    events,
    metrics: new Metrics(),
    logger: quiet,
    config: { transientRetryWindowMs: 0, ownedElsewhereRetryMs: 2_000, ownedElsewhereGiveUpMs: 60_000 },
    now,
  });
  return { client, reconciler, hooks };
}

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
