// List, then watch from the list's resourceVersion: bookmarks, relist on 410, backoff with jitter, a silence watchdog.

import type { Logger } from "pino";
import { keyOf } from "../core/names.ts";
import { backoffDelay, sleep } from "../core/time.ts";
import type { WatchEvent } from "./client.ts";
import { ApiError, errorText, isGone, isTransient } from "./errors.ts";
import { trim } from "./trim.ts";

interface Meta {
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
  };
}

export interface ListPage<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export type RawEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }
  | { type: "ERROR"; object: { code?: number; reason?: string; message?: string } };

export interface ListWatchSource<T> {
  list(options: { limit: number; continue?: string; signal?: AbortSignal }): Promise<ListPage<T>>;
  watch(options: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal }): AsyncIterable<RawEvent<T>>;
}

export interface ListWatchOptions {
  signal: AbortSignal;
  logger: Logger;
  /** Called with a short reason each time the watch has to be re-established after an error. */
  onRestart?: (reason: string) => void;
  pageSize?: number;
  /**
   * Each watch asks the API server to end it after between this and twice this long (client-go's
   * reflector range: 5 to 10 minutes), so a fleet does not re-open its watches in lockstep.
   */
  watchTimeoutSeconds?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How long the first list retries transient errors before giving up. */
  initialRetryMs?: number;
  /** How long it retries when nothing answers at all (short for people at a terminal, long in a pod). */
  initialUnreachableRetryMs?: number;
  /**
   * A watch that delivers nothing, not even a bookmark, for this long is dead. The API server sends a
   * bookmark about once a minute on a quiet watch, so they are the heartbeat.
   */
  silenceMs?: number;
}

/**
 * Every page of a list, with the resourceVersion of the last. A continue token that expires before the
 * last page (410: etcd compacted the list's revision) makes it list again from the start in one
 * request without a limit, as client-go's pager does: paging again could expire again.
 */
export async function listAll<T>(
  source: Pick<ListWatchSource<T>, "list">,
  pageSize: number,
  signal?: AbortSignal,
): Promise<ListPage<T>> {
  const items: T[] = [];
  let page: ListPage<T>;
  let token: string | undefined;
  do {
    try {
      page = await source.list({ limit: pageSize, continue: token, signal });
    } catch (err) {
      if (!token || !isGone(err)) throw err;
      return await source.list({ limit: 0, signal });
    }
    items.push(...page.items);
    token = page.metadata.continue || undefined;
  } while (token);
  return { items, metadata: { resourceVersion: page.metadata.resourceVersion } };
}

/**
 * The first list, retried while the API server answers with transient errors (a CRD whose storage is
 * still initialising answers 429/503), but given up quickly when nothing answers at all, so a wrong
 * address is reported at once.
 */
async function firstList<T>(
  source: ListWatchSource<T>,
  pageSize: number,
  signal: AbortSignal,
  options: ListWatchOptions,
): Promise<ListPage<T>> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await listAll(source, pageSize, signal);
    } catch (err) {
      const unreachable = err instanceof ApiError && err.statusCode === 0;
      const budgetMs = unreachable ? (options.initialUnreachableRetryMs ?? 1_000) : (options.initialRetryMs ?? 30_000);
      if (signal.aborted || !isTransient(err) || Date.now() - started > budgetMs) throw err;
      options.logger.info({ error: errorText(err) }, "first list failed, retrying");
      await sleep(backoffDelay(attempt, options.backoffBaseMs ?? 200, 2_000), signal);
    }
  }
}

/**
 * Lists once (rejecting if that fails), then returns a stream that never ends by itself until the
 * signal aborts: it re-watches after the server closes a watch, backs off after errors, relists when
 * the resourceVersion is too old, and reports objects that vanished meanwhile as DELETED.
 */
/** @internal A watch asks to end after this long, stretched by up to as much again at random so watches do not end together. */
export const WATCH_TIMEOUT_SECONDS = 300;
/** @internal See ListWatchOptions.silenceMs. */
export const SILENCE_MS = 150_000;

export async function listWatch<T extends Meta>(
  source: ListWatchSource<T>,
  options: ListWatchOptions,
): Promise<AsyncIterable<WatchEvent<T>>> {
  const { signal, logger } = options;
  const pageSize = options.pageSize ?? 500;
  const timeoutSeconds = options.watchTimeoutSeconds ?? WATCH_TIMEOUT_SECONDS;
  const silenceMs = options.silenceMs ?? SILENCE_MS;
  const baseMs = options.backoffBaseMs ?? 200;
  const maxMs = options.backoffMaxMs ?? 30_000;
  const first = await firstList(source, pageSize, signal, options);

  async function* run(): AsyncGenerator<WatchEvent<T>> {
    const known = new Set<string>();
    let list: ListPage<T> | undefined = first;
    let resourceVersion = "";
    let failures = 0;
    while (!signal.aborted) {
      if (list) {
        const seen = new Set(list.items.map(keyOf));
        for (const key of known) {
          if (!seen.has(key)) {
            const [namespace, name] = key.split("/");
            yield { type: "DELETED", object: { metadata: { namespace, name } } as T };
          }
        }
        known.clear();
        for (const item of list.items) {
          known.add(keyOf(item));
          yield { type: "ADDED", object: trim(item) };
        }
        resourceVersion = list.metadata.resourceVersion ?? "";
        list = undefined;
        yield { type: "SYNCED" };
      }
      const seconds = Math.round(timeoutSeconds * (1 + Math.random()));
      const watchdog = new AbortController();
      // One timer per watch, not one per event: a burst delivers thousands of events a second.
      let lastAt = Date.now();
      const watchSilence = (): void => {
        const quietMs = Date.now() - lastAt;
        if (quietMs >= silenceMs) watchdog.abort(new Error("watch silent"));
        else timer = setTimeout(watchSilence, silenceMs - quietMs);
      };
      let timer = setTimeout(watchSilence, silenceMs);
      let relist = false;
      let received = 0;
      const opened = Date.now();
      try {
        const stream = source.watch({
          resourceVersion,
          timeoutSeconds: seconds,
          signal: AbortSignal.any([signal, watchdog.signal]),
        });
        for await (const event of stream) {
          lastAt = Date.now();
          received++;
          if (event.type === "ERROR") {
            const { code = 500, reason = "Unknown", message = "watch error" } = event.object;
            throw new ApiError(message, code, reason);
          }
          // Only a watch that delivers something ends the run of failures: an ERROR event is one more.
          failures = 0;
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === "BOOKMARK") continue;
          if (event.type === "DELETED") known.delete(keyOf(event.object));
          else known.add(keyOf(event.object));
          yield { type: event.type, object: trim(event.object) };
        }
        // A watch that ends at once with nothing in it (a proxy, a server shutting down) would spin.
        if (received === 0 && Date.now() - opened < 1_000) await sleep(backoffDelay(failures++, baseMs, maxMs), signal);
      } catch (err) {
        if (signal.aborted) return;
        relist = isGone(err);
        if (!relist) {
          const reason = watchdog.signal.aborted ? "watch silent" : errorText(err);
          options.onRestart?.(reason);
          logger.warn({ error: reason, attempt: failures + 1 }, "watch interrupted, reconnecting");
          await sleep(backoffDelay(failures++, baseMs, maxMs), signal);
        }
      } finally {
        clearTimeout(timer);
      }
      if (relist) {
        options.onRestart?.("resourceVersion expired");
        logger.info({ resourceVersion }, "watch resourceVersion expired, relisting");
        while (!signal.aborted && !list) {
          try {
            list = await listAll(source, pageSize, signal);
          } catch (err) {
            if (signal.aborted) return;
            logger.warn({ error: errorText(err) }, "relist failed, retrying");
            await sleep(backoffDelay(failures++, baseMs, maxMs), signal);
          }
        }
      }
    }
  }
  return run();
}
