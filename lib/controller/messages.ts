// Log messages, defined once (the event reasons are in lib/core/reasons.ts).

export const LOG_STARTED = "plexdhook controller started";
export const LOG_JOB_CREATED = "plexdhook job created";
export const LOG_JOB_EXISTS = "plexdhook job already exists";
export const LOG_JOB_CREATE_FAILED = "plexdhook job creation failed";
export const LOG_STATUS_UPDATE_FAILED = "plexdhook status update failed";
