// Informer: one list-watch feeding one cache, and an event handler told of each change once the cache holds it.

import type { Job, PlexdHook } from "../core/types.ts";
import type { ObjectChange, WatchEvent } from "../kube/client.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { Echoes } from "./echoes.ts";

export interface InformerOptions<T, R> {
  /** The resource, as plexd_hook_watch_events_total labels it. */
  resource: string;
  /** The list-watch: a full list, then SYNCED, then each change (and SYNCED again after each relist). */
  listWatch: AsyncIterable<WatchEvent<T>>;
  /** The cache: takes in one change and returns what the handler needs of it (the key to enqueue, whether it matters). */
  store(event: ObjectChange<T>): R;
  /** The event handler, called once the cache holds the change: it enqueues, it never reconciles. */
  handler(stored: R, event: ObjectChange<T>): void;
  metrics: Metrics;
}

export class Informer<T = unknown, R = unknown> {
  private synced = false;
  private readonly firstList = Promise.withResolvers<void>();

  constructor(private readonly options: InformerOptions<T, R>) {}

  /** True once the cache holds the first full list. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the cache holds the first full list. */
  get whenSynced(): Promise<void> {
    return this.firstList.promise;
  }

  /** Feeds the cache and the handler until the list-watch ends. */
  async run(): Promise<void> {
    const { listWatch, resource, metrics } = this.options;
    for await (const event of listWatch) {
      if (event.type === "SYNCED") {
        this.synced = true;
        this.firstList.resolve();
        continue;
      }
      metrics.watchEvents.inc({ resource });
      this.options.handler(this.options.store(event), event);
    }
  }
}

/** What an enqueueing informer needs besides its watch and cache: the queue, and our own writes (their echoes are dropped). */
export interface EnqueueingOptions {
  queue: { add(key: string): void };
  echoes: Echoes;
  metrics: Metrics;
}

/**
 * The hook controllers' informer: its handler enqueues the key of the hook a change concerns (what
 * `store` returns: the hook's own, or the one that controls a Job), unless the change is our own write's echo.
 */
export function enqueueingInformer<T extends Job | PlexdHook>(
  resource: string,
  listWatch: AsyncIterable<WatchEvent<T>>,
  store: (event: ObjectChange<T>) => string | undefined,
  { queue, echoes, metrics }: EnqueueingOptions,
): Informer {
  const handler = (key: string | undefined, event: ObjectChange<T>): void => echoes.enqueueUnlessEcho(queue, key, event.object);
  return new Informer({ resource, listWatch, metrics, store, handler });
}

/** Resolves once every informer has synced, or `signal` has aborted (client-go's WaitForCacheSync). */
export async function waitForCacheSync(signal: AbortSignal, informers: readonly Informer[]): Promise<void> {
  if (signal.aborted) return;
  const aborted = Promise.withResolvers<void>();
  const onAbort = (): void => aborted.resolve();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.race([Promise.all(informers.map((informer) => informer.whenSynced)), aborted.promise]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Whether every informer has synced: /readyz, and handlers that act only on whole caches. */
export function allSynced(informers: readonly Informer[]): boolean {
  return informers.length > 0 && informers.every((informer) => informer.hasSynced());
}
