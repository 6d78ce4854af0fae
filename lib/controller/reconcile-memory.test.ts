// What the Reconciler remembers between reconciles of a hook, and that it forgets it once the hook is gone or done.

import { describe, expect, test } from "bun:test";
import { arrange, hookDeleted, NOW } from "../../tests/support/reconciler.ts";
import { ApiError } from "../kube/errors.ts";
import type { Reconciler } from "./reconcile.ts";

const KEY = "plexd-system/h";
const unavailable = () => new ApiError("etcdserver: leader changed", 503, "ServiceUnavailable");

/** The Reconciler's memory, read from its private fields: the point is that they do not grow for ever. */
function remembered(reconciler: Reconciler): number {
  const { warnedNoNode, heldElsewhere, jobCreator } = reconciler as unknown as Record<string, { size: number }>;
  const { transientSince } = jobCreator as unknown as Record<string, { size: number }>;
  return (warnedNoNode?.size ?? 0) + (transientSince?.size ?? 0) + (heldElsewhere?.size ?? 0);
}

describe("Reconciler memory", () => {
  test("a hook created again under the same name gets a retry window of its own, not the old hook's", async () => {
    const clock = { now: NOW.getTime() };
    const { client, hooks, reconciler } = arrange(
      { hook: { spec: { nodeName: "node-a" } }, faults: { createJob: unavailable }, calls: [], status: undefined },
      { now: () => new Date(clock.now), config: { transientRetryWindowMs: 60_000 } },
    );
    await expect(reconciler.reconcile(KEY)).rejects.toThrow("leader changed");
    // Deleted and created again between two reconciles (the work queue folds both into one key).
    client.hooks.remove(KEY);
    const again = client.addHook("h", { hookName: "x", nodeName: "node-a" });
    const renewed = client.hooks.put({ ...again, metadata: { ...again.metadata, uid: "uid-h-2" } });
    hooks.storeEvent("own", { type: "ADDED", object: renewed });
    clock.now += 61_000;
    await expect(reconciler.reconcile(KEY)).rejects.toThrow("leader changed");
    // Not Failed: nothing is written while the create is retried.
    expect(client.hook("h")?.status).toBeUndefined();
  });

  test("what it remembers of a hook whose create keeps failing is forgotten once the hook is gone", async () => {
    const { hooks, reconciler } = arrange(
      { hook: { spec: { nodeName: "node-a" } }, faults: { createJob: unavailable }, calls: [], status: undefined },
      { config: { transientRetryWindowMs: 60_000 } },
    );
    await expect(reconciler.reconcile(KEY)).rejects.toThrow();
    expect(remembered(reconciler)).toBe(1);
    hooks.storeEvent("own", hookDeleted("h"));
    await reconciler.reconcile(KEY);
    expect(remembered(reconciler)).toBe(0);
  });

  test("what it remembers of a hook is forgotten once the hook has ended", async () => {
    const { client, hooks, reconciler } = arrange(
      { hook: { spec: { nodeName: "node-a" } }, faults: { createJob: unavailable }, calls: [], status: undefined },
      { config: { transientRetryWindowMs: 60_000 } },
    );
    await expect(reconciler.reconcile(KEY)).rejects.toThrow();
    expect(remembered(reconciler)).toBe(1);
    const hook = client.hook("h");
    const failed = { ...(hook as NonNullable<typeof hook>), status: { phase: "Failed" as const, message: "deleted by hand" } };
    hooks.storeEvent("own", { type: "MODIFIED", object: failed });
    await reconciler.reconcile(KEY);
    expect(remembered(reconciler)).toBe(0);
  });

  test("the warning about a hook with no node in cluster mode is forgotten once the hook is deleted", async () => {
    const { hooks, reconciler } = arrange({
      hook: {},
      self: { role: "cluster", nodeName: "", leader: true },
      calls: [],
      status: undefined,
    });
    await reconciler.reconcile(KEY);
    expect(remembered(reconciler)).toBe(1);
    hooks.storeEvent("own", hookDeleted("h"));
    await reconciler.reconcile(KEY);
    expect(remembered(reconciler)).toBe(0);
  });
});
