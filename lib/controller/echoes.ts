// Remembers the objects this controller just wrote, so their watch events (echoes of our own writes) cost no reconcile.

import { keyOf } from "../core/names.ts";
import type { Job, PlexdHook } from "../core/types.ts";

/** Writes whose echo never arrives (a watch restarted past them) are forgotten oldest first beyond this many. */
const MAX_REMEMBERED = 10_000;

/**
 * Each write's answer carries the resourceVersion its watch event will carry. When that event arrives, the
 * reconcile that wrote it has already acted on exactly that state, so reconciling again would only
 * re-derive what was just written. Anything else (a newer version, another writer) is no echo.
 */
export class Echoes {
  private readonly written = new Map<string, string>();
  /** Writes sent and not yet answered: their echo may arrive before their answer does. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** Notes a write of `key` on its way and returns it; the writer gives its answer to wrote(). */
  writing<T>(key: string, write: Promise<T>): Promise<T> {
    this.inFlight.set(key, write);
    const settled = (): void => {
      if (this.inFlight.get(key) === write) this.inFlight.delete(key);
    };
    write.then(settled, settled);
    return write;
  }

  /** Notes that `key` now stands at `resourceVersion` because this controller wrote it. */
  wrote(key: string, resourceVersion: string | undefined): void {
    if (!resourceVersion) return;
    this.written.delete(key);
    this.written.set(key, resourceVersion);
    if (this.written.size > MAX_REMEMBERED) this.written.delete(this.written.keys().next().value as string);
  }

  /** Whether a watch event for `key` at `resourceVersion` is the echo of our last write; forgets it once seen. */
  isEcho(key: string, resourceVersion: string | undefined): boolean {
    const written = this.written.get(key);
    if (written === undefined || resourceVersion === undefined || written !== resourceVersion) return false;
    this.written.delete(key);
    return true;
  }

  /**
   * Calls `act` unless the event for `key` at `resourceVersion` is an echo. While a write of `key` is
   * unanswered the question waits for its answer (the writer calls wrote() first, as it awaited first).
   */
  unlessEcho(key: string, resourceVersion: string | undefined, act: () => void): void {
    const check = (): void => {
      if (!this.isEcho(key, resourceVersion)) act();
    };
    const write = this.inFlight.get(key);
    if (write) write.then(check, check);
    else check();
  }

  /** The informers' event handler: enqueues `key` (what the cache said the event concerns) unless `object` is an echo. */
  enqueueUnlessEcho(queue: { add(key: string): void }, key: string | undefined, object: Job | PlexdHook): void {
    if (key) this.unlessEcho(keyOf(object), object.metadata?.resourceVersion, () => queue.add(key));
  }
}
