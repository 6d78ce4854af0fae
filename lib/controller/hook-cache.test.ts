import { describe, expect, test } from "bun:test";
import type { PlexdHook, PlexdHookStatus } from "../core/types.ts";
import { HookCache } from "./hook-cache.ts";

const hook = (name: string, resourceVersion: string, status?: PlexdHookStatus): PlexdHook => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion },
  spec: { hookName: "x" },
  ...(status && { status }),
});

/** A cache holding each hook as the watch of its source delivered it. */
function cacheOf(...held: Array<[source: string, hook: PlexdHook]>): HookCache {
  const cache = new HookCache();
  for (const [source, object] of held) cache.storeEvent(source, { type: "ADDED", object });
  return cache;
}

describe("HookCache", () => {
  test("get() prefers the later resourceVersion when two watches hold the same hook", () => {
    const cache = cacheOf(["own", hook("a", "7")], ["untargeted", hook("a", "12")]);
    expect(cache.get("ns/a")?.metadata.resourceVersion).toBe("12");
  });

  test("a hook deleted by one watch is still held while another holds it", () => {
    const cache = cacheOf(["own", hook("a", "1")], ["bound", hook("a", "2")]);
    cache.storeEvent("own", { type: "DELETED", object: hook("a", "3") });
    expect(cache.get("ns/a")).toBeDefined();
    cache.storeEvent("bound", { type: "DELETED", object: hook("a", "3") });
    expect(cache.get("ns/a")).toBeUndefined();
  });

  test("storeWritten() replaces the hook wherever a watch holds it, and adds it nowhere else", () => {
    const cache = cacheOf(["own", hook("a", "1")]);
    cache.storeWritten(hook("a", "5", { phase: "Pending" }));
    cache.storeWritten(hook("z", "6"));
    expect(cache.get("ns/a")?.status?.phase).toBe("Pending");
    expect(cache.get("ns/z")).toBeUndefined();
  });

  test("storeEvent() adds, modifies and deletes by the watch event, returning the key", () => {
    const cache = new HookCache();
    expect(cache.storeEvent("own", { type: "ADDED", object: hook("a", "1") })).toBe("ns/a");
    cache.storeEvent("own", { type: "MODIFIED", object: hook("a", "2", { phase: "Running" }) });
    expect(cache.get("ns/a")?.status?.phase).toBe("Running");
    cache.storeEvent("own", { type: "DELETED", object: hook("a", "3") });
    expect(cache.get("ns/a")).toBeUndefined();
  });

  test("keys(), list() and countPhases() see each hook once across watches", () => {
    const cache = cacheOf(
      ["own", hook("a", "1", { phase: "Running" })],
      ["bound", hook("a", "2", { phase: "Succeeded" })],
      ["bound", hook("b", "3")],
    );
    expect([...cache.keys()].toSorted()).toEqual(["ns/a", "ns/b"]);
    expect(cache.list()).toHaveLength(2);
    expect(cache.countPhases()).toEqual({ None: 1, Pending: 0, Running: 0, Succeeded: 1, Failed: 0 });
  });

  test("storeWritten() never goes back to an older resourceVersion: the newer object the watch delivered wins", () => {
    // The watch already delivered rv 9 (someone else's write) when the answer to our PATCH (rv 8) arrives.
    const cache = cacheOf(["own", hook("a", "9", { phase: "Running" })]);
    cache.storeWritten(hook("a", "8", { phase: "Pending" }));
    expect(cache.get("ns/a")?.metadata.resourceVersion).toBe("9");
    expect(cache.get("ns/a")?.status?.phase).toBe("Running");
    cache.storeWritten(hook("a", "10", { phase: "Succeeded" }));
    expect(cache.get("ns/a")?.status?.phase).toBe("Succeeded");
  });
});
