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

  test("a hook whose output cannot be read is written without it, saying so, and the next hook on that node does not wait on its kubelet", async () => {
    const complete = { conditions: [{ type: "Complete", status: "True" as const }], completionTime: NOW };
    const { client, hooks, reconciler } = arrange({
      hook: { spec: { nodeName: "node-a", output: { tailLines: 5 } }, status: tracked },
      job: { where: "api", owner: "hook", status: complete },
      calls: [],
      status: undefined,
    });
    const second = client.addHook(
      "h2",
      { hookName: "x", nodeName: "node-a", output: { tailLines: 5 } },
      { status: { ...tracked, jobName: "plexdhook-h2" } },
    );
    hooks.storeEvent("own", { type: "MODIFIED", object: second });
    const owner = {
      apiVersion: "plexd.plexsphere.com/v1alpha1",
      kind: "PlexdHook",
      name: "h2",
      uid: second.metadata.uid,
      controller: true,
    };
    client.jobs.put({
      metadata: { name: "plexdhook-h2", namespace: "plexd-system", uid: "uid-job-h2", ownerReferences: [owner] },
      status: complete,
    });
    for (const job of ["uid-job-h", "uid-job-h2"]) {
      const labels = { "batch.kubernetes.io/controller-uid": job };
      client.pods.push({
        metadata: { name: `${job}-pod`, namespace: "plexd-system", labels },
        spec: { nodeName: "node-a", containers: [] },
      });
    }
    let asked = 0;
    client.podLog = async () => {
      asked++;
      throw new ApiError("GET pods/log: the request timed out", 0, "Timeout");
    };
    await reconciler.reconcile("plexd-system/h");
    expect(client.hook("h")?.status).toMatchObject({
      phase: "Succeeded",
      message: expect.stringMatching(
        /^Job plexdhook-h succeeded; its output was not kept: the log of pod uid-job-h-pod on node node-a could not be read: .*timed out/,
      ),
    });
    expect(client.hook("h")?.status?.output).toBeUndefined();
    await reconciler.reconcile("plexd-system/h2");
    expect(asked).toBe(1);
    expect(client.hook("h2")?.status).toMatchObject({ phase: "Succeeded", message: expect.stringContaining("node node-a") });
  });
});
