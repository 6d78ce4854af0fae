// Condition types and reasons of a PlexdRollout's status, defined once.

/** Whether the rollout is starting nodes, and if not, why. */
export const CONDITION_PROGRESSING = "Progressing";
/** Set True when the rollout has succeeded. */
export const CONDITION_COMPLETE = "Complete";
/** Set True when the rollout has failed. */
export const CONDITION_FAILED = "Failed";
/** Set True while the API server has refused to create the hook of any node: its message says what to change. */
export const CONDITION_HOOKS_REFUSED = "HooksRefused";

/** Progressing True: hooks are running or starting. */
export const REASON_RUNNING = "Running";
/** Progressing True: every started hook has ended; nodes wait to be Ready for settleSeconds. */
export const REASON_SETTLING = "Settling";
/** Progressing False: spec.paused. */
export const REASON_PAUSED = "Paused";
/** Progressing False: outside the window, or within its cutoff. */
export const REASON_OUTSIDE_WINDOW = "OutsideWindow";
/** Progressing False: the window's schedule or time zone cannot be read. */
export const REASON_INVALID_WINDOW = "InvalidWindow";
/** Progressing False: starting another node would make more nodes unavailable than maxUnavailable. */
export const REASON_MAX_UNAVAILABLE = "MaxUnavailable";
/** Progressing False: the nodes whose turn it is are NotReady. */
export const REASON_NODES_NOT_READY = "NodesNotReady";
/** Progressing False, Failed True: more nodes failed than the failure budget. */
export const REASON_FAILURE_BUDGET_EXCEEDED = "FailureBudgetExceeded";
/** Progressing False, Failed True: spec.abort. */
export const REASON_ABORTED = "Aborted";
/** Progressing False, Complete True: every node's hook ended within the failure budget. */
export const REASON_SUCCEEDED = "RolloutSucceeded";

/** HooksRefused True, and a failed node's reason: creating its hook was refused (admission, quota, invalid). */
export const REASON_HOOK_CREATE_REFUSED = "HookCreateRefused";

/** How many failed nodes status.failedNodes keeps, newest first. */
export const MAX_FAILED_NODES = 20;
