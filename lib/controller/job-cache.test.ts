import { describe, expect, test } from "bun:test";
import type { Job } from "../core/types.ts";
import { JobCache } from "./job-cache.ts";

const job = (name: string, status?: Job["status"], owner = "hook-a"): Job => ({
  metadata: {
    name,
    namespace: "ns",
    ownerReferences: [
      { apiVersion: "plexd.plexsphere.com/v1alpha1", kind: "PlexdHook", name: owner, uid: "u", controller: true },
    ],
  },
  status,
});
const complete: Job["status"] = { conditions: [{ type: "Complete", status: "True" }] };

describe("JobCache", () => {
  test("storeEvent() returns the key of the hook that controls the Job", () => {
    const cache = new JobCache();
    expect(cache.storeEvent({ type: "ADDED", object: job("plexdhook-a") })).toBe("ns/hook-a");
    expect(cache.storeEvent({ type: "ADDED", object: { metadata: { name: "other", namespace: "ns" } } })).toBeUndefined();
  });

  test("a deleted Job is kept as last seen, even when the deletion carries only its name", () => {
    const cache = new JobCache();
    cache.storeEvent({ type: "ADDED", object: job("plexdhook-a", complete) });
    const key = cache.storeEvent({ type: "DELETED", object: { metadata: { name: "plexdhook-a", namespace: "ns" } } });
    expect(key).toBe("ns/hook-a");
    expect(cache.get("ns/plexdhook-a")).toBeUndefined();
    expect(cache.getDeleted("ns/plexdhook-a")?.status).toEqual(complete);
  });

  test("a Job that comes back is no longer gone", () => {
    const cache = new JobCache();
    cache.storeEvent({ type: "DELETED", object: job("plexdhook-a") });
    cache.storeEvent({ type: "ADDED", object: job("plexdhook-a") });
    expect(cache.getDeleted("ns/plexdhook-a")).toBeUndefined();
    expect(cache.get("ns/plexdhook-a")).toBeDefined();
  });

  test("pruneDeleted() forgets deleted Jobs kept longer than it is told", async () => {
    const cache = new JobCache();
    cache.storeEvent({ type: "DELETED", object: job("old") });
    await Bun.sleep(20);
    cache.storeEvent({ type: "DELETED", object: job("new") });
    cache.pruneDeleted(10);
    expect(cache.getDeleted("ns/old")).toBeUndefined();
    expect(cache.getDeleted("ns/new")).toBeDefined();
  });
});
