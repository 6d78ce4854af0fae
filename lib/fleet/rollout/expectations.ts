// Writes not yet seen in the caches, per rollout (client-go's ControllerExpectations), so no plan reads a stale cache.

/** After this long a write that never showed up (deleted meanwhile, then a relist) is no longer waited for. */
const EXPIRE_MS = 60_000;

/** What is awaited: a hook by name, or the rollout at the resourceVersion our status write gave it. */
export const statusVersion = (resourceVersion: string | undefined): string => `status@${resourceVersion}`;

export class Expectations {
  private readonly byKey = new Map<string, Map<string, number>>();

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
  }

  forget(key: string): void {
    this.byKey.delete(key);
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
