// Writes not yet seen in the caches, per rollout (client-go's ControllerExpectations), so no plan reads a stale cache.

/** After this long a write that never showed up (deleted meanwhile, then a relist) is no longer waited for. */
const EXPIRE_MS = 60_000;

/** The rollout at the resourceVersion our status write gave it, awaited like a hook's name. */
const statusVersion = (resourceVersion: string | undefined): string => `status@${resourceVersion}`;
/** How many of a rollout's latest versions are remembered: the echo of a write can beat its answer. */
const RECENT_VERSIONS = 8;

export class Expectations {
  private readonly byKey = new Map<string, Map<string, number>>();
  private readonly recent = new Map<string, string[]>();

  /** The rollout's watch delivered `resourceVersion`. */
  observeVersion(key: string, resourceVersion: string | undefined): void {
    if (!resourceVersion) return;
    const versions = this.recent.get(key) ?? [];
    versions.push(resourceVersion);
    if (versions.length > RECENT_VERSIONS) versions.shift();
    this.recent.set(key, versions);
    this.observe(key, statusVersion(resourceVersion));
  }

  /** Our status write left the rollout at `resourceVersion`: wait for it unless the watch brought it already. */
  expectVersion(key: string, resourceVersion: string | undefined, nowMs: number): void {
    if (!resourceVersion || this.recent.get(key)?.includes(resourceVersion)) return;
    this.expect(key, statusVersion(resourceVersion), nowMs);
  }

  expect(key: string, name: string, nowMs: number): void {
    const names = this.byKey.get(key) ?? new Map<string, number>();
    names.set(name, nowMs);
    this.byKey.set(key, names);
  }

  observe(key: string, name: string): void {
    const names = this.byKey.get(key);
    if (names?.delete(name) && names.size === 0) this.byKey.delete(key);
  }

  clear(): void {
    this.byKey.clear();
    this.recent.clear();
  }

  forget(key: string): void {
    this.byKey.delete(key);
    this.recent.delete(key);
  }

  /** Whether a write for `key` is still to be seen. */
  pending(key: string, nowMs: number): boolean {
    const names = this.byKey.get(key);
    if (!names) return false;
    for (const [name, at] of names) if (nowMs - at > EXPIRE_MS) names.delete(name);
    if (names.size === 0) this.byKey.delete(key);
    return names.size > 0;
  }
}
