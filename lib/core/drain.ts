// Whether a hook's Job may be created yet: a hook that drains its node waits for the fleet controller's drain.

import type { PlexdHook } from "./types.ts";

/**
 * A hook with spec.drain.enabled gets its Job only once the fleet controller found its node drained
 * (status.drain.stage Complete); every other hook at once. The node agent and the fleet controller
 * both ask before they claim a hook.
 */
export function drainAllowsJob(hook: PlexdHook): boolean {
  return hook.spec.drain?.enabled !== true || hook.status?.drain?.stage === "Complete";
}
