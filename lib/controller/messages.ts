// Log messages and status messages, defined once (the event reasons are in lib/core/reasons.ts).

export const LOG_STARTED = "plexdhook controller started";
export const LOG_JOB_CREATED = "plexdhook job created";
export const LOG_JOB_EXISTS = "plexdhook job already exists";
export const LOG_JOB_CREATE_FAILED = "plexdhook job creation failed";
export const LOG_STATUS_UPDATE_FAILED = "plexdhook status update failed";

/** Why a hook does not take the Job of its name: `owner` is the UID of the PlexdHook that controls it, if any. */
export function ownedElsewhereMessage(jobName: string, owner: string | undefined): string {
  const held = owner ? `its controller is another PlexdHook (uid ${owner})` : "it has no PlexdHook as its controller";
  return `Job ${jobName} exists and is not this PlexdHook's (${held}), so it is neither adopted nor run again: delete that Job and create this PlexdHook again, or create it under another name`;
}

/** Why a claimed hook whose Job is gone is not run again. */
export function unconfirmedMessage(jobName: string): string {
  return `Job ${jobName} was being created when its controller stopped, and it does not exist now: it may have run and been removed (ttlSecondsAfterFinished), so it is not run again. Create a new PlexdHook to run the task`;
}

/** Why a hook whose Job was deleted before it ended is Failed. */
export function deletedWhileRunningMessage(jobName: string): string {
  return `Job ${jobName} was deleted before it ended, so how this hook ends is unknown (its pod may still finish): create a new PlexdHook to run the task again`;
}

/** Why a hook does not take a Job that names it as owner but is pinned to another node than the hook's. */
export function pinnedElsewhereMessage(jobName: string, pinned: string, node: string): string {
  return `Job ${jobName} names this PlexdHook as its owner but is pinned to node ${pinned}, not to node ${node} where this hook runs: plexd-hook did not make it for this hook, so it is neither adopted nor run again. Delete that Job and create this PlexdHook again, or create it under another name`;
}
