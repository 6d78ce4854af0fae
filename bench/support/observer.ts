// One watch on a namespace's hooks, opened before any hook exists: when each hook was first seen Pending with its
// Job created, and when it was seen Succeeded.
//
// The operator writes Pending twice: first as a claim (the status names the Job before the create, condition
// JobCreated=Unknown), then once the Job exists. Only the second counts, so every side is timed to the same
// point: the Job exists and the status says so.

import { isClaimOnly } from "../../lib/core/status.ts";
import type { PlexdHook } from "../../lib/core/types.ts";
import type { Rest } from "../../lib/kube/rest.ts";
import { hooksPath, listVersion } from "./api.ts";

type WatchLine = { type: string; object: PlexdHook & { code?: number; message?: string } };

export class Observer {
  /** Hook name → performance.now() when first seen Pending or later with its Job created (not a bare claim). */
  readonly seen = new Map<string, number>();
  /** Hook name → performance.now() when first seen Succeeded. */
  readonly succeeded = new Map<string, number>();
  readonly failed = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  private countWaiters: Array<{ n: number; of: Map<string, number>; resolve: () => void }> = [];
  private readonly stop = new AbortController();
  private readonly done: Promise<void>;

  private constructor(
    private readonly rest: Rest,
    readonly ns: string,
    resourceVersion: string,
  ) {
    this.done = this.consume(resourceVersion);
    this.done.catch(() => {});
  }

  static async open(rest: Rest, ns: string): Promise<Observer> {
    return new Observer(rest, ns, await listVersion(rest, hooksPath(ns)));
  }

  /** Watches until closed, resuming from the last resourceVersion each time the server ends the watch. */
  private async consume(from: string): Promise<void> {
    let resourceVersion = from;
    while (!this.stop.signal.aborted) {
      try {
        const query = { watch: true, resourceVersion, allowWatchBookmarks: true };
        for await (const event of this.rest.stream<WatchLine>(hooksPath(this.ns), { query, signal: this.stop.signal })) {
          if (event.type === "ERROR") throw new Error(`observer watch on ${this.ns}: ${event.object.message}`);
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (event.type === "ADDED" || event.type === "MODIFIED") this.record(event.object, performance.now());
        }
      } catch (err) {
        // A benchmark watches through an overloaded API server: say so, and watch again.
        if (this.stop.signal.aborted) return;
        console.error(`observer watch on ${this.ns}: ${err instanceof Error ? err.message : err}; watching again`);
        await Bun.sleep(1_000);
      }
    }
  }

  private record(hook: PlexdHook, at: number): void {
    const { status, metadata } = hook;
    if (!status?.phase || !status.jobName || isClaimOnly(hook)) return;
    if (status.phase === "Succeeded" && !this.succeeded.has(metadata.name)) this.succeeded.set(metadata.name, at);
    if (status.phase === "Failed") this.failed.add(metadata.name);
    if (!this.seen.has(metadata.name)) {
      this.seen.set(metadata.name, at);
      this.waiters.get(metadata.name)?.();
      this.waiters.delete(metadata.name);
    }
    this.notifyCounts();
  }

  private notifyCounts(): void {
    this.countWaiters = this.countWaiters.filter((w) => {
      if (w.of.size < w.n) return true;
      w.resolve();
      return false;
    });
  }

  private race<T>(wait: Promise<T>, timeoutMs: number): Promise<T | "timeout"> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const ended = this.done.then(() => Promise.reject(new Error(`observer watch on ${this.ns} closed`)));
    return Promise.race([wait, timeout, ended]).finally(() => clearTimeout(timer));
  }

  /** When `name` was first seen Pending (or later) with a jobName, or "timeout". */
  async seenAt(name: string, timeoutMs: number): Promise<number | "timeout"> {
    const known = this.seen.get(name);
    if (known !== undefined) return known;
    const wait = new Promise<number>((resolve) => this.waiters.set(name, () => resolve(this.seen.get(name) as number)));
    return this.race(wait, timeoutMs);
  }

  /** Resolves once `n` hooks have been seen Pending or later (or, with `of: "succeeded"`, Succeeded), or "timeout". */
  async count(n: number, timeoutMs: number, of: "seen" | "succeeded" = "seen"): Promise<"ok" | "timeout"> {
    const map = of === "seen" ? this.seen : this.succeeded;
    if (map.size >= n) return "ok";
    const wait = new Promise<"ok">((resolve) => this.countWaiters.push({ n, of: map, resolve: () => resolve("ok") }));
    return this.race(wait, timeoutMs);
  }

  close(): void {
    this.stop.abort();
  }
}
