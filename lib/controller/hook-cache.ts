// The controller's view of its hooks, fed by several disjoint watches; each watch keeps its own map.

import { keyOf } from "../core/names.ts";
import type { Phase, PlexdHook } from "../core/types.ts";
import type { ObjectChange } from "../kube/client.ts";
import { trimHook } from "./cache-trim.ts";

function newer(a: PlexdHook, b: PlexdHook): PlexdHook {
  // resourceVersions are opaque, but etcd's are integers; prefer the later one when two watches overlap.
  try {
    return BigInt(a.metadata.resourceVersion ?? "0") >= BigInt(b.metadata.resourceVersion ?? "0") ? a : b;
  } catch {
    return a;
  }
}

export class HookCache {
  private readonly sources = new Map<string, Map<string, PlexdHook>>();

  private source(name: string): Map<string, PlexdHook> {
    let map = this.sources.get(name);
    if (!map) {
      map = new Map();
      this.sources.set(name, map);
    }
    return map;
  }

  set(source: string, key: string, hook: PlexdHook): void {
    this.source(source).set(key, trimHook(hook));
  }

  delete(source: string, key: string): void {
    this.sources.get(source)?.delete(key);
  }

  /** Applies one change a watch delivered; returns the hook's key. */
  apply(source: string, event: ObjectChange<PlexdHook>): string {
    const key = keyOf(event.object);
    if (event.type === "DELETED") this.delete(source, key);
    else this.set(source, key, event.object);
    return key;
  }

  /** Drops everything a watch delivered, returning the keys it held. */
  clear(source: string): string[] {
    const keys = [...(this.sources.get(source)?.keys() ?? [])];
    this.sources.delete(source);
    return keys;
  }

  get(key: string): PlexdHook | undefined {
    let found: PlexdHook | undefined;
    for (const map of this.sources.values()) {
      const hook = map.get(key);
      if (hook) found = found ? newer(found, hook) : hook;
    }
    return found;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Replaces the hook wherever a watch holds it, e.g. with the answer to our own status write, unless
   * that watch already delivered a newer one: going back to an older resourceVersion would make every
   * later write conflict.
   */
  update(key: string, hook: PlexdHook): void {
    for (const map of this.sources.values()) {
      const held = map.get(key);
      if (held) map.set(key, newer(trimHook(hook), held));
    }
  }

  keys(): Set<string> {
    const keys = new Set<string>();
    for (const map of this.sources.values()) for (const key of map.keys()) keys.add(key);
    return keys;
  }

  values(): PlexdHook[] {
    return [...this.keys()].map((key) => this.get(key) as PlexdHook);
  }

  /** How many hooks are in each phase (None: not yet handled), for the hooks gauge. */
  countPhases(): Record<Phase | "None", number> {
    const counts = { None: 0, Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
    for (const hook of this.values()) counts[hook.status?.phase ?? "None"]++;
    return counts;
  }
}
