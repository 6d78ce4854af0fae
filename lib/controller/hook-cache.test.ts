import { describe, expect, test } from "bun:test";
import type { PlexdHook, PlexdHookStatus } from "../core/types.ts";
import { HookCache } from "./hook-cache.ts";

const hook = (name: string, resourceVersion: string, status?: PlexdHookStatus): PlexdHook => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion },
  spec: { hookName: "x" },
  ...(status && { status }),
});

describe("HookCache", () => {
  test("get() prefers the later resourceVersion when two watches hold the same hook", () => {
    const cache = new HookCache();
    cache.set("own", "ns/a", hook("a", "7"));
    cache.set("untargeted", "ns/a", hook("a", "12"));
    expect(cache.get("ns/a")?.metadata.resourceVersion).toBe("12");
  });

  test("a hook deleted by one watch is still held while another holds it", () => {
    const cache = new HookCache();
    cache.set("own", "ns/a", hook("a", "1"));
    cache.set("bound", "ns/a", hook("a", "2"));
    cache.delete("own", "ns/a");
    expect(cache.has("ns/a")).toBe(true);
    cache.delete("bound", "ns/a");
    expect(cache.has("ns/a")).toBe(false);
  });

  test("clear() drops one watch's hooks and returns their keys", () => {
    const cache = new HookCache();
    cache.set("own", "ns/a", hook("a", "1"));
    cache.set("untargeted", "ns/b", hook("b", "2"));
    expect(cache.clear("untargeted")).toEqual(["ns/b"]);
    expect([...cache.keys()]).toEqual(["ns/a"]);
  });

  test("update() replaces the hook wherever a watch holds it, and adds it nowhere else", () => {
    const cache = new HookCache();
    cache.set("own", "ns/a", hook("a", "1"));
    cache.update("ns/a", hook("a", "5", { phase: "Pending" }));
    cache.update("ns/z", hook("z", "6"));
    expect(cache.get("ns/a")?.status?.phase).toBe("Pending");
    expect(cache.has("ns/z")).toBe(false);
  });

  test("apply() adds, modifies and deletes by the watch event, returning the key", () => {
    const cache = new HookCache();
    expect(cache.apply("own", { type: "ADDED", object: hook("a", "1") })).toBe("ns/a");
    cache.apply("own", { type: "MODIFIED", object: hook("a", "2", { phase: "Running" }) });
    expect(cache.get("ns/a")?.status?.phase).toBe("Running");
    cache.apply("own", { type: "DELETED", object: hook("a", "3") });
    expect(cache.get("ns/a")).toBeUndefined();
  });

  test("keys(), values() and countPhases() see each hook once across watches", () => {
    const cache = new HookCache();
    cache.set("own", "ns/a", hook("a", "1", { phase: "Running" }));
    cache.set("bound", "ns/a", hook("a", "2", { phase: "Succeeded" }));
    cache.set("bound", "ns/b", hook("b", "3"));
    expect([...cache.keys()].toSorted()).toEqual(["ns/a", "ns/b"]);
    expect(cache.values()).toHaveLength(2);
    expect(cache.countPhases()).toEqual({ None: 1, Pending: 0, Running: 0, Succeeded: 1, Failed: 0 });
  });

  test("update() never goes back to an older resourceVersion: the newer object the watch delivered wins", () => {
    const cache = new HookCache();
    // The watch already delivered rv 9 (someone else's write) when the answer to our PATCH (rv 8) arrives.
    cache.set("own", "ns/a", hook("a", "9", { phase: "Running" }));
    cache.update("ns/a", hook("a", "8", { phase: "Pending" }));
    expect(cache.get("ns/a")?.metadata.resourceVersion).toBe("9");
    expect(cache.get("ns/a")?.status?.phase).toBe("Running");
    cache.update("ns/a", hook("a", "10", { phase: "Succeeded" }));
    expect(cache.get("ns/a")?.status?.phase).toBe("Succeeded");
  });
});
