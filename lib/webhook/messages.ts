// The status messages only the Metacontroller webhook writes (the shared ones are in lib/core/messages.ts).

import type { PlexdHook } from "../core/types.ts";

/** Why a hook without spec.nodeName fails under Metacontroller. */
export function nodeNameRequiredMessage(hook: PlexdHook): string {
  return `spec.nodeName is required when plexd-hook runs under Metacontroller (no controller's node to fall back on): delete PlexdHook ${hook.metadata.name} and create it again with spec.nodeName`;
}

/** Why a hook whose Job was asked for and never appeared fails, and is not run again. */
export function jobUnseenMessage(hook: PlexdHook, jobName: string, graceSeconds: number): string {
  return `Job ${jobName} was asked of Metacontroller and has not appeared in ${graceSeconds} s: the API server refused it (kubectl describe plexdhook ${hook.metadata.name} shows Metacontroller's SyncError Event), or it ran and was removed by ttlSecondsAfterFinished before Metacontroller saw it. It is not asked for again, so the task runs at most once: create a new PlexdHook to run it`;
}

/** Why a hook with spec.drain.enabled fails under Metacontroller, before any Job. */
export function drainUnsupportedMessage(hook: PlexdHook): string {
  return `spec.drain is not supported when plexd-hook runs under Metacontroller (no fleet controller cordons and drains the node first), so no Job was made: delete PlexdHook ${hook.metadata.name} and create it again without spec.drain, or run plexd-hook natively (deploy/kubernetes), whose fleet controller drains the node before the Job`;
}
