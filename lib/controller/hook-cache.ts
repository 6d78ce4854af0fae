// The hook informers' cache: each watch keeps its own map (an agent's sources are disjoint), read as one through HookLister.

import { keyOf } from "../core/names.ts";
import type { Phase, PlexdHook } from "../core/types.ts";
import type { ObjectChange } from "../kube/client.ts";
import { trimHook } from "./cache-trim.ts";

/** The read-only view of the hook cache that reconcilers and Lease duties are given: never mutate what it returns. */
export interface HookLister {
  get(key: string): PlexdHook | undefined;
  keys(): Set<string>;
  list(): PlexdHook[];
}

function newer(a: PlexdHook, b: PlexdHook): PlexdHook {
  // resourceVersions are opaque, but etcd's are integers; prefer the later one when two watches overlap.
  try {
    return BigInt(a.metadata.resourceVersion ?? "0") >= BigInt(b.metadata.resourceVersion ?? "0") ? a : b;
  } catch {
    return a;
  }
}

export class HookCache implements HookLister {
  private readonly sources = new Map<string, Map<string, PlexdHook>>();

  private source(name: string): Map<string, PlexdHook> {
    let map = this.sources.get(name);
    if (!map) {
      map = new Map();
      this.sources.set(name, map);
    }
    return map;
  }

  /** Takes in one change the watch of `source` delivered; returns the hook's key. */
  storeEvent(source: string, event: ObjectChange<PlexdHook>): string {
    const key = keyOf(event.object);
    if (event.type === "DELETED") this.sources.get(source)?.delete(key);
    else this.source(source).set(key, trimHook(event.object));
    return key;
  }

  /**
   * Takes in the answer to our own status write wherever a watch holds the hook, unless that watch
   * already delivered a newer one: going back to an older resourceVersion would make every later
   * write conflict. A hook no watch holds is not added.
   */
  storeWritten(hook: PlexdHook): void {
    const key = keyOf(hook);
    for (const map of this.sources.values()) {
      const held = map.get(key);
      if (held) map.set(key, newer(trimHook(hook), held));
    }
  }

  get(key: string): PlexdHook | undefined {
    let found: PlexdHook | undefined;
    for (const map of this.sources.values()) {
      const hook = map.get(key);
      if (hook) found = found ? newer(found, hook) : hook;
    }
    return found;
  }

  keys(): Set<string> {
    const keys = new Set<string>();
    for (const map of this.sources.values()) for (const key of map.keys()) keys.add(key);
    return keys;
  }

  list(): PlexdHook[] {
    return [...this.keys()].map((key) => this.get(key) as PlexdHook);
  }

  /** How many hooks are in each phase (None: not yet handled), for the hooks gauge. */
  countPhases(): Record<Phase | "None", number> {
    const counts = { None: 0, Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
    for (const hook of this.list()) counts[hook.status?.phase ?? "None"]++;
    return counts;
  }
}
