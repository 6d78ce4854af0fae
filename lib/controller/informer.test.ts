import { describe, expect, test } from "bun:test";
import type { PlexdHook } from "../core/types.ts";
import type { WatchEvent } from "../kube/client.ts";
import { Metrics } from "../observe/metrics.ts";
import { Echoes } from "./echoes.ts";
import { HookCache } from "./hook-cache.ts";
import { allSynced, enqueueingInformer, Informer, waitForCacheSync } from "./informer.ts";

const hook = (name: string, resourceVersion: string): PlexdHook => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion },
  spec: { hookName: "x" },
});

async function* listWatch(...events: Array<WatchEvent<PlexdHook>>): AsyncIterable<WatchEvent<PlexdHook>> {
  yield* events;
}

describe("Informer", () => {
  test("the handler sees each change once the cache holds it, and hasSynced() turns true at the first full list", async () => {
    const cache = new HookCache();
    const seen: Array<[string, string | undefined, boolean]> = [];
    const metrics = new Metrics();
    const informer = new Informer({
      resource: "plexdhooks",
      listWatch: listWatch(
        { type: "ADDED", object: hook("a", "1") },
        { type: "SYNCED" },
        { type: "DELETED", object: hook("a", "2") },
      ),
      metrics,
      store: (event) => cache.storeEvent("own", event),
      handler: (key, event) => seen.push([event.type, cache.get(key)?.metadata.resourceVersion, informer.hasSynced()]),
    });
    expect(informer.hasSynced()).toBe(false);
    await informer.run();
    expect(seen).toEqual([
      ["ADDED", "1", false],
      ["DELETED", undefined, true],
    ]);
    expect((await metrics.watchEvents.get()).values).toEqual([
      expect.objectContaining({ labels: { resource: "plexdhooks" }, value: 2 }),
    ]);
  });

  test("waitForCacheSync() waits for every informer, or returns when the signal aborts", async () => {
    const metrics = new Metrics();
    const never = new Informer({ resource: "x", listWatch: listWatch(), metrics, store: () => {}, handler: () => {} });
    const synced = new Informer({
      resource: "x",
      listWatch: listWatch({ type: "SYNCED" }),
      metrics,
      store: () => {},
      handler: () => {},
    });
    await synced.run();
    await never.run();
    expect(allSynced([synced])).toBe(true);
    expect(allSynced([synced, never])).toBe(false);
    expect(allSynced([])).toBe(false);
    await waitForCacheSync(new AbortController().signal, [synced]);
    const stop = new AbortController();
    let returned = false;
    const waiting = waitForCacheSync(stop.signal, [synced, never]).then(() => (returned = true));
    // A window in which it must not return: one informer has not synced.
    await Bun.sleep(5);
    expect(returned).toBe(false);
    stop.abort();
    await waiting;
    expect(returned).toBe(true);
  });

  test("enqueueingInformer() enqueues the key of each change but the echo of our own write", async () => {
    const echoes = new Echoes();
    echoes.wrote("ns/b", "7");
    const queued: string[] = [];
    const cache = new HookCache();
    const informer = enqueueingInformer(
      "plexdhooks",
      listWatch({ type: "ADDED", object: hook("a", "3") }, { type: "MODIFIED", object: hook("b", "7") }),
      (event) => cache.storeEvent("own", event),
      { queue: { add: (key) => queued.push(key) }, echoes, metrics: new Metrics() },
    );
    await informer.run();
    expect(queued).toEqual(["ns/a"]);
    expect([...cache.keys()]).toEqual(["ns/a", "ns/b"]);
  });
});
