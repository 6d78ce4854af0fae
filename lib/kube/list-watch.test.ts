import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import type { WatchEvent } from "./client.ts";
import { ApiError } from "./errors.ts";
import { type ListPage, type ListWatchSource, listWatch, type RawEvent } from "./list-watch.ts";

type Obj = { metadata: { name: string; namespace: string; resourceVersion: string } };
const obj = (name: string, rv: string): Obj => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });
const quiet = pino({ level: "silent" });

/** A scripted API: each list and each watch call takes the next entry of its script. */
function scripted(lists: Array<ListPage<Obj> | Error>, watches: Array<Array<RawEvent<Obj>> | Error | "hang">) {
  const calls = { lists: 0, watches: [] as string[] };
  const source: ListWatchSource<Obj> = {
    async list() {
      const next = lists[Math.min(calls.lists++, lists.length - 1)] as ListPage<Obj> | Error;
      if (next instanceof Error) throw next;
      return next;
    },
    async *watch({ resourceVersion, signal }) {
      calls.watches.push(resourceVersion);
      const next = watches.shift();
      if (next === undefined || next === "hang") {
        // A stream that never says anything again, like a connection dropped without a FIN.
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        throw signal.reason;
      }
      if (next instanceof Error) throw next;
      yield* next;
    },
  };
  return { source, calls };
}

async function take(stream: AsyncIterable<WatchEvent<Obj>>, count: number): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of stream) {
    seen.push(event.type === "SYNCED" ? "SYNCED" : `${event.type} ${event.object.metadata.name}`);
    if (seen.length === count) break;
  }
  return seen;
}

const FAST = { backoffBaseMs: 1, backoffMaxMs: 5, watchTimeoutSeconds: 0, silenceMs: 50 };

describe("listWatch()", () => {
  test("lists, then watches from the list's resourceVersion and skips bookmarks", async () => {
    const { source, calls } = scripted(
      [{ items: [obj("a", "5")], metadata: { resourceVersion: "10" } }],
      [
        [
          { type: "BOOKMARK", object: obj("", "12") },
          { type: "ADDED", object: obj("b", "13") },
        ],
        "hang",
      ],
    );
    const abort = new AbortController();
    const stream = await listWatch(source, { signal: abort.signal, logger: quiet, ...FAST, silenceMs: 60_000 });
    expect(await take(stream, 3)).toEqual(["ADDED a", "SYNCED", "ADDED b"]);
    abort.abort();
    expect(calls.watches[0]).toBe("10");
  });

  test("re-watches from the last resourceVersion it saw, bookmarks included, after the server ends a watch", async () => {
    const { source, calls } = scripted(
      [{ items: [], metadata: { resourceVersion: "1" } }],
      [
        [
          { type: "ADDED", object: obj("a", "2") },
          { type: "BOOKMARK", object: obj("", "7") },
        ],
        [{ type: "MODIFIED", object: obj("a", "8") }],
        "hang",
      ],
    );
    const abort = new AbortController();
    const stream = await listWatch(source, { signal: abort.signal, logger: quiet, ...FAST, silenceMs: 60_000 });
    expect(await take(stream, 3)).toEqual(["SYNCED", "ADDED a", "MODIFIED a"]);
    abort.abort();
    expect(calls.watches.slice(0, 2)).toEqual(["1", "7"]);
  });

  test("relists on 410 Gone and reports objects that vanished meanwhile as DELETED", async () => {
    const restarts: string[] = [];
    const { source, calls } = scripted(
      [
        { items: [obj("a", "1"), obj("b", "1")], metadata: { resourceVersion: "5" } },
        { items: [obj("b", "9"), obj("c", "9")], metadata: { resourceVersion: "20" } },
      ],
      [[{ type: "ERROR", object: { code: 410, reason: "Expired", message: "too old resource version" } }], "hang"],
    );
    const abort = new AbortController();
    const stream = await listWatch(source, {
      signal: abort.signal,
      logger: quiet,
      onRestart: (r) => restarts.push(r),
      ...FAST,
      silenceMs: 60_000,
    });
    expect(await take(stream, 7)).toEqual(["ADDED a", "ADDED b", "SYNCED", "DELETED a", "ADDED b", "ADDED c", "SYNCED"]);
    abort.abort();
    expect(calls.lists).toBe(2);
    expect(restarts).toEqual(["resourceVersion expired"]);
  });

  test("reconnects with backoff after errors and keeps going", async () => {
    const restarts: string[] = [];
    const { source } = scripted(
      [{ items: [], metadata: { resourceVersion: "1" } }],
      [
        new ApiError("connection reset", 0, "Unreachable"),
        new ApiError("etcd timeout", 504, "Timeout"),
        [{ type: "ADDED", object: obj("a", "3") }],
        "hang",
      ],
    );
    const abort = new AbortController();
    const stream = await listWatch(source, {
      signal: abort.signal,
      logger: quiet,
      onRestart: (r) => restarts.push(r),
      ...FAST,
      silenceMs: 60_000,
    });
    expect(await take(stream, 2)).toEqual(["SYNCED", "ADDED a"]);
    abort.abort();
    expect(restarts).toEqual(["connection reset", "etcd timeout"]);
  });

  test("backs off further each time a server keeps answering watches with ERROR events", async () => {
    let watches = 0;
    const source: ListWatchSource<Obj> = {
      async list() {
        return { items: [], metadata: { resourceVersion: "1" } };
      },
      async *watch() {
        watches++;
        yield { type: "ERROR", object: { code: 500, reason: "InternalError", message: "etcdserver: request timed out" } };
      },
    };
    const abort = new AbortController();
    const stream = await listWatch(source, { signal: abort.signal, logger: quiet, backoffBaseMs: 10, backoffMaxMs: 10_000 });
    const reading = take(stream, 2);
    await Bun.sleep(400);
    abort.abort();
    await reading;
    // Doubling from 5-10 ms: about 6 watches in 400 ms. At the first step each time, 40 to 80.
    expect(watches).toBeGreaterThan(2);
    expect(watches).toBeLessThan(12);
  });

  test("gives up on a silent stream and watches again", async () => {
    const restarts: string[] = [];
    const { source, calls } = scripted(
      [{ items: [], metadata: { resourceVersion: "1" } }],
      ["hang", [{ type: "ADDED", object: obj("late", "4") }], "hang"],
    );
    const abort = new AbortController();
    const stream = await listWatch(source, {
      signal: abort.signal,
      logger: quiet,
      onRestart: (r) => restarts.push(r),
      ...FAST,
      silenceMs: 20,
    });
    expect(await take(stream, 2)).toEqual(["SYNCED", "ADDED late"]);
    abort.abort();
    expect(restarts[0]).toBe("watch silent");
    expect(calls.watches.length).toBeGreaterThanOrEqual(2);
  });

  test("retries a first list that meets a transient error, but not a permanent one", async () => {
    const transient = scripted(
      [
        new ApiError("storage is (re)initializing", 429, "TooManyRequests"),
        { items: [obj("a", "1")], metadata: { resourceVersion: "2" } },
      ],
      ["hang"],
    );
    const abort = new AbortController();
    const stream = await listWatch(transient.source, { signal: abort.signal, logger: quiet, ...FAST });
    expect(await take(stream, 1)).toEqual(["ADDED a"]);
    abort.abort();

    const forbidden = new ApiError("forbidden", 403, "Forbidden");
    const permanent = scripted([forbidden], []);
    expect(listWatch(permanent.source, { signal: new AbortController().signal, logger: quiet, ...FAST })).rejects.toBe(forbidden);
  });

  test("lists again from the start, whole, when a continue token expires on the first list", async () => {
    const asked: Array<{ limit: number; continue?: string }> = [];
    const source: ListWatchSource<Obj> = {
      async list({ limit, continue: token }) {
        asked.push({ limit, continue: token });
        if (token) throw new ApiError("The provided continue parameter is too old", 410, "Expired");
        return limit > 0
          ? { items: [obj("a", "1")], metadata: { resourceVersion: "9", continue: "page2" } }
          : { items: [obj("a", "1"), obj("b", "12")], metadata: { resourceVersion: "12" } };
      },
      async *watch({ signal }) {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      },
    };
    const abort = new AbortController();
    const stream = await listWatch(source, { signal: abort.signal, logger: quiet, ...FAST, silenceMs: 60_000 });
    expect(await take(stream, 3)).toEqual(["ADDED a", "ADDED b", "SYNCED"]);
    abort.abort();
    // As client-go's pager: the expired page is not asked again, the fallback is one list without a limit.
    expect(asked).toEqual([{ limit: 500 }, { limit: 500, continue: "page2" }, { limit: 0 }]);
  });

  test("follows pages of a large list", async () => {
    let call = 0;
    const source: ListWatchSource<Obj> = {
      async list({ continue: token }) {
        call++;
        return token
          ? { items: [obj("b", "1")], metadata: { resourceVersion: "9" } }
          : { items: [obj("a", "1")], metadata: { resourceVersion: "9", continue: "page2" } };
      },
      async *watch({ signal }) {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      },
    };
    const abort = new AbortController();
    const stream = await listWatch(source, { signal: abort.signal, logger: quiet, ...FAST, silenceMs: 60_000 });
    expect(await take(stream, 3)).toEqual(["ADDED a", "ADDED b", "SYNCED"]);
    abort.abort();
    expect(call).toBe(2);
  });
});
