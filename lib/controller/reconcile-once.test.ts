// reconcile(key) at most once and with its own Job only: claims of earlier versions, orphaned and foreign Jobs, as a table.

import { describe, expect, test } from "bun:test";
import { arrange, type Case, NOW } from "../../tests/support/reconciler.ts";
import type { Job, PlexdHookStatus } from "../core/types.ts";

const NS = "plexd-system";
const tracked: PlexdHookStatus = { jobName: "plexdhook-h", phase: "Pending", nodeName: "node-a", startedAt: NOW.toISOString() };
const complete: Job["status"] = { conditions: [{ type: "Complete", status: "True" }], completionTime: NOW };
/** What the claim an earlier version wrote before its create leaves when it died before seeing its Job. */
const claimed: PlexdHookStatus = {
  ...tracked,
  conditions: [
    {
      type: "JobCreated",
      status: "Unknown",
      reason: "JobCreating",
      message: "Creating Job plexdhook-h on node node-a",
      lastTransitionTime: NOW.toISOString(),
    },
  ],
};

const cases: Record<string, Case> = {
  "a Job with no PlexdHook as controller (orphaned, or made by someone else) is reported at once, never adopted": {
    hook: { spec: { nodeName: "node-a" }, ageSeconds: 1 },
    job: { where: "api", owner: "none" },
    calls: ["createJob plexdhook-h", "getJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Failed", message: expect.stringContaining("it has no PlexdHook as its controller") },
    events: ["HookFailed"],
  },
  "a claimed hook whose Job is gone ends Failed and gets no second Job (the controller died after the create, a TTL may have removed it)":
    {
      hook: { spec: { nodeName: "node-a", ttlSecondsAfterFinished: 0 }, status: claimed },
      calls: ["getJob plexdhook-h", "updateHookStatus h"],
      status: { phase: "Failed", message: expect.stringContaining("so it is not run again. Create a new PlexdHook") },
      events: ["HookFailed"],
    },
  "a claimed hook without a TTL whose Job is missing gets it (nothing could have removed a Job that existed)": {
    hook: { spec: { nodeName: "node-a" }, status: claimed },
    calls: ["getJob plexdhook-h", "createJob plexdhook-h", "updateHookStatus h"],
    status: {
      phase: "Pending",
      conditions: [expect.objectContaining({ type: "JobCreated", status: "True" }), expect.anything()],
    },
    events: ["JobCreated"],
  },
  "a claimed hook whose Job is seen records JobCreated": {
    hook: { spec: { nodeName: "node-a" }, status: claimed },
    job: { where: "cached", owner: "hook" },
    calls: ["updateHookStatus h"],
    outcome: { requeueAfterMs: 10_000 },
    status: {
      phase: "Pending",
      conditions: [expect.objectContaining({ type: "JobCreated", status: "True" }), expect.anything()],
    },
    events: [],
  },
  "a followed Job that is now another owner's is not taken for this hook's": {
    hook: { spec: { nodeName: "node-a" }, status: tracked, ageSeconds: 120 },
    job: { where: "cached", owner: "other", status: complete },
    calls: ["updateHookStatus h"],
    status: { phase: "Failed", message: expect.stringContaining("is not this PlexdHook's") },
    events: ["HookFailed"],
  },
  "a Job owned by this hook but pinned to another node (made by that node's token) is reported, never taken": {
    hook: { spec: { nodeName: "node-a" } },
    job: { where: "api", owner: "hook", pinned: "node-z", status: complete },
    calls: ["createJob plexdhook-h", "getJob plexdhook-h", "updateHookStatus h"],
    status: {
      phase: "Failed",
      jobName: "plexdhook-h",
      message: expect.stringContaining("is pinned to node node-z, not to node node-a where this hook runs"),
    },
    events: ["HookFailed"],
  },
  "a followed Job pinned to another node does not say how this hook ended": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "cached", owner: "hook", pinned: "node-z", status: complete },
    calls: ["updateHookStatus h"],
    status: { phase: "Failed", message: expect.stringContaining("is pinned to node node-z") },
    events: ["HookFailed"],
  },
  "a deleted Job of another owner does not say how this hook ended": {
    hook: { spec: { nodeName: "node-a" }, status: tracked },
    job: { where: "gone", owner: "other", status: complete },
    calls: ["getJob plexdhook-h", "updateHookStatus h"],
    status: { phase: "Failed", message: expect.stringContaining("Job plexdhook-h no longer exists") },
    events: ["HookFailed"],
  },
};

describe("reconcile(key): at most once, and only the Job whose controller is this hook", () => {
  test.each(Object.entries(cases))("reconcile(): %s", async (_name, c) => {
    const { client, reconciler } = arrange(c);
    const outcome = await reconciler.reconcile(`${NS}/h`);
    expect(client.log).toEqual(c.calls);
    expect(outcome).toEqual(c.outcome);
    expect(client.hook("h")?.status).toMatchObject(c.status ?? {});
    if (c.events) expect(client.events.map((e) => e.reason)).toEqual(c.events);
  });
});
