// Pods and Events only explain a status: when they cannot be read, the status is still written.

import { describe, expect, test } from "bun:test";
import { arrange, NOW } from "../../tests/support/reconciler.ts";
import type { PlexdHookStatus } from "../core/types.ts";
import { ApiError } from "../kube/errors.ts";

const tracked: PlexdHookStatus = { jobName: "plexdhook-h", phase: "Running", nodeName: "node-a", startedAt: NOW.toISOString() };
const unavailable = async (): Promise<never> => {
  throw new ApiError("etcdserver: request timed out", 504, "Timeout");
};

describe("reconcile() when an explanation cannot be read", () => {
  test("a hook whose Job failed is written Failed when the Job's pods cannot be listed, without the exit code", async () => {
    const { client, reconciler } = arrange({
      hook: { spec: { nodeName: "node-a" }, status: tracked },
      job: {
        where: "cached",
        owner: "hook",
        status: { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] },
      },
      calls: [],
      status: undefined,
    });
    client.listPods = unavailable;
    await reconciler.reconcile("plexd-system/h");
    expect(client.hook("h")?.status).toMatchObject({ phase: "Failed", message: expect.stringContaining("BackoffLimitExceeded") });
    expect(client.hook("h")?.status?.exitCode).toBeUndefined();
  });

  test("a hook whose Job has no pod is still written when the Job's Events cannot be listed", async () => {
    const { client, reconciler } = arrange({
      hook: { spec: { nodeName: "node-a" }, status: { ...tracked, phase: "Pending", conditions: [] } },
      job: { where: "cached", owner: "hook", status: {}, ageSeconds: 30 },
      calls: [],
      status: undefined,
    });
    client.listEvents = unavailable;
    expect(await reconciler.reconcile("plexd-system/h")).toEqual({ requeueAfterMs: 30_000 });
    expect(client.hook("h")?.status?.conditions).toEqual([
      expect.objectContaining({ type: "Succeeded", status: "Unknown", reason: "PodPending" }),
    ]);
  });
});
