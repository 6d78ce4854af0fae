// Trims objects before they are cached: the parts no reader needs are often most of an object.

interface Trimmable {
  metadata?: { managedFields?: unknown; annotations?: Record<string, string> };
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Drops what no reader of the caches needs and what is often most of an object: the field managers'
 * bookkeeping, and kubectl's copy of the whole applied object. Objects fresh from JSON.parse only.
 */
export function trim<T>(object: T): T {
  const metadata = (object as Trimmable).metadata;
  if (!metadata) return object;
  delete metadata.managedFields;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
    delete metadata.annotations[LAST_APPLIED];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  return object;
}
