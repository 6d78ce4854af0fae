// A keyed work queue: each key at most once in line and once in flight, bounded workers, per-key retry backoff.

import { backoffDelay } from "../core/time.ts";
import type { RetryConfig } from "./config.ts";

export interface WorkQueueOptions {
  workers: number;
  /** The wait before a failed key is handled again, growing with each failure in a row. */
  retry: RetryConfig;
  onDepth?: (queued: number, inFlight: number) => void;
}

/** Thrown by a handler to ask for a routine retry with backoff (a conflict, a cache behind): not worth a warning. */
export class Retry extends Error {}

/** What a handler returns: done, or look again after a while. Throwing means retry with backoff. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that is simply done returns nothing
export type Outcome = void | { requeueAfterMs: number };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** Keys waiting to be added, with when they are due. */
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; due: number }>();
  private readonly options: WorkQueueOptions;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(options: WorkQueueOptions) {
    this.options = options;
  }

  get depth(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** How many times in a row `key` has failed. */
  attempts(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.report();
    this.wake?.();
  }

  /** Adds `key` after `ms`; a key already waiting keeps the earlier of the two due times (client-go's delaying queue). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + ms;
    const waiting = this.timers.get(key);
    if (waiting && waiting.due <= due) return;
    if (waiting) clearTimeout(waiting.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { timer, due });
  }

  private report(): void {
    this.options.onDepth?.(this.queue.length, this.active.size);
  }

  private async work(key: string, handle: (key: string) => Promise<Outcome>): Promise<void> {
    this.active.add(key);
    this.report();
    try {
      const outcome = await handle(key);
      this.failures.delete(key);
      if (outcome && outcome.requeueAfterMs >= 0) this.addAfter(key, outcome.requeueAfterMs);
    } catch {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.addAfter(key, backoffDelay(failures - 1, this.options.retry.baseMs, this.options.retry.maxMs));
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.report();
    }
  }

  /**
   * Runs `handle` on queued keys with at most `workers` at once until `signal` aborts, then waits for
   * the keys in flight to finish and drops the rest (they are re-read from the API on the next start).
   */
  async run(handle: (key: string) => Promise<Outcome>, signal: AbortSignal): Promise<void> {
    const running = new Set<Promise<void>>();
    const onAbort = (): void => this.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        while (running.size < this.options.workers && this.queue.length > 0) {
          const key = this.queue.shift() as string;
          this.queued.delete(key);
          const task: Promise<void> = this.work(key, handle).finally(() => {
            running.delete(task);
            this.wake?.();
          });
          running.add(task);
        }
        if (signal.aborted) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.stopped = true;
      for (const { timer } of this.timers.values()) clearTimeout(timer);
      this.timers.clear();
      await Promise.all(running);
    }
  }
}
