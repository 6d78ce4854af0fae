// Log messages (the seed's events) and Kubernetes Event reasons, defined once.

export const LOG_STARTED = "plexdhook controller started";
export const LOG_JOB_CREATED = "plexdhook job created";
export const LOG_JOB_EXISTS = "plexdhook job already exists";
export const LOG_JOB_CREATE_FAILED = "plexdhook job creation failed";
export const LOG_STATUS_UPDATE_FAILED = "plexdhook status update failed";

export const REASON_JOB_CREATED = "JobCreated";
export const REASON_JOB_CREATE_FAILED = "JobCreateFailed";
export const REASON_INVALID_SPEC = "InvalidSpec";
export const REASON_JOB_OWNED_ELSEWHERE = "JobOwnedElsewhere";
export const REASON_JOB_MISSING = "JobMissing";
export const REASON_NO_CONTROLLER = "NoController";
export const REASON_RUNNING = "HookRunning";
export const REASON_SUCCEEDED = "HookSucceeded";
export const REASON_FAILED = "HookFailed";
