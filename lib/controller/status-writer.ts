// The one way a hook's status is written: only when it changes, guarded by resourceVersion, with an Event per phase change.

import type { Logger } from "pino";
import { keyOf } from "../core/names.ts";
import { REASON_HOOK_FAILED, REASON_HOOK_RUNNING, REASON_HOOK_SUCCEEDED } from "../core/reasons.ts";
import type { PlexdHook, PlexdHookStatus } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isConflict } from "../kube/errors.ts";
import type { Echoes } from "./echoes.ts";
import type { EventRecorder } from "./events.ts";
import type { HookCache } from "./hook-cache.ts";
import { LOG_STATUS_UPDATE_FAILED } from "./messages.ts";
import { Retry } from "./work-queue.ts";

export interface StatusWriterDeps {
  client: KubeClient;
  /** Given the answer to each write, so the next reconcile does not act on the copy just replaced. */
  hooks: HookCache;
  events: EventRecorder;
  /** Told of each write, so its watch event does not reconcile the hook again. */
  echoes: Echoes;
  logger: Logger;
}

export class StatusWriter {
  constructor(private readonly deps: StatusWriterDeps) {}

  /**
   * Writes `status` on `hook` unless it already has it; returns whether it wrote. Throws Retry when the
   * write fails, with the API error as cause: a 409 Conflict means `hook` was stale.
   */
  async write(hook: PlexdHook, status: PlexdHookStatus): Promise<boolean> {
    const { client, hooks, logger } = this.deps;
    if (Bun.deepEquals(status, hook.status ?? {})) return false;
    let updated: PlexdHook;
    try {
      updated = await this.deps.echoes.writing(keyOf(hook), client.updateHookStatus(hook, status));
    } catch (err) {
      if (isConflict(err)) throw new Retry("status conflict", { cause: err });
      logger.warn({ hook: hook.metadata.name, error: errorText(err) }, LOG_STATUS_UPDATE_FAILED);
      // Already said at warn level: the retry itself is routine.
      throw new Retry(`status update failed: ${errorText(err)}`, { cause: err });
    }
    this.deps.echoes.wrote(keyOf(hook), updated.metadata.resourceVersion);
    hooks.storeWritten(updated);
    if (status.phase !== hook.status?.phase) this.announce(updated, status);
    return true;
  }

  private announce(hook: PlexdHook, status: PlexdHookStatus): void {
    const { events } = this.deps;
    if (status.phase === "Running") events.record(hook, "Normal", REASON_HOOK_RUNNING, `Job ${status.jobName} is running`);
    if (status.phase === "Succeeded") events.record(hook, "Normal", REASON_HOOK_SUCCEEDED, status.message ?? "Hook succeeded");
    if (status.phase === "Failed") events.record(hook, "Warning", REASON_HOOK_FAILED, status.message ?? "Hook failed");
  }
}
