// One watch on a namespace's hooks, opened before any hook exists: when each hook was first seen Pending (with
// a jobName) and when it was seen Succeeded.

import type { PlexdHook } from "../../lib/core/types.ts";
import type { Rest } from "../../lib/kube/rest.ts";
import { hooksPath, listVersion } from "./api.ts";

type WatchLine = { type: string; object: PlexdHook & { code?: number; message?: string } };

export class Observer {
  /** Hook name → performance.now() when first seen Pending or later with a jobName. */
  readonly seen = new Map<string, number>();
  /** Hook name → performance.now() when first seen Succeeded. */
  readonly succeeded = new Map<string, number>();
  readonly failed = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  private countWaiters: Array<{ n: number; of: Map<string, number>; resolve: () => void }> = [];
  private readonly stop = new AbortController();
  private readonly done: Promise<void>;

  private constructor(
    rest: Rest,
    readonly ns: string,
    resourceVersion: string,
  ) {
    const watch = rest.stream<WatchLine>(hooksPath(ns), { query: { watch: true, resourceVersion }, signal: this.stop.signal });
    this.done = this.consume(watch);
    this.done.catch(() => {});
  }

  static async open(rest: Rest, ns: string): Promise<Observer> {
    return new Observer(rest, ns, await listVersion(rest, hooksPath(ns)));
  }

  private async consume(watch: AsyncGenerator<WatchLine>): Promise<void> {
    try {
      for await (const event of watch) {
        const at = performance.now();
        if (event.type === "ERROR") throw new Error(`observer watch on ${this.ns}: ${event.object.message}`);
        if (event.type !== "ADDED" && event.type !== "MODIFIED") continue;
        const { status, metadata } = event.object;
        if (!status?.phase || !status.jobName) continue;
        if (status.phase === "Succeeded" && !this.succeeded.has(metadata.name)) this.succeeded.set(metadata.name, at);
        if (status.phase === "Failed") this.failed.add(metadata.name);
        if (this.seen.has(metadata.name)) {
          this.notifyCounts();
          continue;
        }
        this.seen.set(metadata.name, at);
        this.waiters.get(metadata.name)?.();
        this.waiters.delete(metadata.name);
        this.notifyCounts();
      }
    } catch (err) {
      if (this.stop.signal.aborted) return;
      throw err;
    }
    if (!this.stop.signal.aborted) throw new Error(`observer watch on ${this.ns} ended`);
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
    const ended = this.done.then(() => Promise.reject(new Error(`observer watch on ${this.ns} ended`)));
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
