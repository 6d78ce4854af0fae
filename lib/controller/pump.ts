// Feeds one watch into a cache: each change to `apply`, `onSynced` after each full list, counted by resource.

import type { ObjectChange, WatchEvent } from "../kube/client.ts";
import type { Metrics } from "../observe/metrics.ts";

export async function pumpWatch<T>(
  stream: AsyncIterable<WatchEvent<T>>,
  resource: string,
  metrics: Metrics,
  onSynced: () => void,
  apply: (event: ObjectChange<T>) => void,
): Promise<void> {
  for await (const event of stream) {
    if (event.type === "SYNCED") {
      onSynced();
      continue;
    }
    metrics.watchEvents.inc({ resource });
    apply(event);
  }
}
