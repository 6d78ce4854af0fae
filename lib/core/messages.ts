// Status messages that the native controller and the Metacontroller webhook both write, defined once.

/** Why a hook whose Job was seen, and was gone before it said how it ended, is Failed (reason JobMissing). */
export function jobMissingMessage(jobName: string): string {
  return `Job ${jobName} no longer exists, so how this hook ended is unknown (the Job was deleted, or removed by ttlSecondsAfterFinished while no controller watched): create a new PlexdHook to run the task again`;
}
