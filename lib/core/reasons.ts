// Reasons, defined once: on the hook's conditions and on the Kubernetes Events recorded for it.

/** The Job exists (JobCreated condition True; Event when this controller created it). */
export const REASON_JOB_CREATED = "JobCreated";
/** The API server refused the Job. */
export const REASON_JOB_CREATE_FAILED = "JobCreateFailed";
/** The hook cannot be turned into a Job (e.g. two parameters map to one variable). */
export const REASON_INVALID_SPEC = "InvalidSpec";
/** A Job of that name exists and is not this hook's. */
export const REASON_JOB_OWNED_ELSEWHERE = "JobOwnedElsewhere";
/** The hook's Job was deleted (by hand) while it ran: its outcome cannot be recorded. */
export const REASON_JOB_DELETED = "JobDeleted";
/** The hook's Job vanished before it said how it ended. */
export const REASON_JOB_MISSING = "JobMissing";
/** The hook is claimed (its status names the Job) and the Job is being created. */
export const REASON_JOB_CREATING = "JobCreating";
/** The hook was claimed, its Job is not there, and whether it was created (and ran) is unknown. */
export const REASON_JOB_UNCONFIRMED = "JobCreationUnconfirmed";
/** The fleet controller assigned an untargeted hook to a node whose agent is ready. */
export const REASON_ASSIGNED = "Assigned";
/** No node can take an untargeted hook now: none is Ready with a ready agent (and allowed for it). */
export const REASON_NO_READY_NODE = "NoReadyNode";
/** The hook's node carries a kubernetes.io/hostname label other than its name, so its Job's pod could never be placed there. */
export const REASON_NODE_HOSTNAME_MISMATCH = "NodeHostnameMismatch";
/** The hook names a node where no controller took it. */
export const REASON_NO_CONTROLLER = "NoController";
/** Under Metacontroller: the hook has no spec.nodeName (no controller's node to fall back on). */
export const REASON_NODE_NAME_REQUIRED = "NodeNameRequired";
/** Under Metacontroller: the hook's node does not exist. */
export const REASON_NODE_NOT_FOUND = "NodeNotFound";
/** Under Metacontroller: the hook has spec.drain.enabled, and no fleet controller is there to drain its node. */
export const REASON_DRAIN_UNSUPPORTED = "DrainUnsupported";
/** The hook's node has been NotReady or gone too long: its controller died with it, its outcome is unknown. */
export const REASON_NODE_LOST = "NodeLost";

/** Reasons of the Succeeded condition while the Job runs or once it ended. */
export const REASON_JOB_SUCCEEDED = "JobSucceeded";
export const REASON_JOB_FAILED = "JobFailed";
export const REASON_POD_RUNNING = "PodRunning";
export const REASON_POD_PENDING = "PodPending";
export const REASON_POD_NOT_STARTING = "PodNotStarting";

/** Events on the hook's phase transitions. */
export const REASON_HOOK_RUNNING = "HookRunning";
export const REASON_HOOK_SUCCEEDED = "HookSucceeded";
export const REASON_HOOK_FAILED = "HookFailed";

/** The drain before a hook's Job (spec.drain): on the JobCreated condition while no Job may exist yet, and as Events. */
export const REASON_DRAIN_WAITING = "DrainWaiting";
export const REASON_CORDONED = "Cordoned";
export const REASON_DRAINING = "Draining";
/** An eviction was refused (a PodDisruptionBudget) or a pod may not be evicted (emptyDir, no controller). */
export const REASON_DRAIN_BLOCKED = "DrainBlocked";
export const REASON_DRAINED = "Drained";
/** The drain did not finish within spec.drain.timeoutSeconds: the hook fails, its Job is never created. */
export const REASON_DRAIN_TIMEOUT = "DrainTimeout";
export const REASON_UNCORDONED = "Uncordoned";

/**
 * Every reason the native controller marks a hook Failed without a Job outcome: plexd_hook_failures_total's
 * label values, and its help. The Metacontroller webhook's own (NodeNameRequired, NodeNotFound,
 * DrainUnsupported) are not counted there: the webhook only answers, and its metrics count requests.
 */
export const FAILED_WITHOUT_JOB_REASONS = [
  REASON_INVALID_SPEC,
  REASON_JOB_CREATE_FAILED,
  REASON_JOB_OWNED_ELSEWHERE,
  REASON_JOB_UNCONFIRMED,
  REASON_JOB_MISSING,
  REASON_JOB_DELETED,
  REASON_NODE_HOSTNAME_MISMATCH,
  REASON_DRAIN_TIMEOUT,
] as const;
export type FailedWithoutJobReason = (typeof FAILED_WITHOUT_JOB_REASONS)[number];
