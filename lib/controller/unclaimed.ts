// The Lease holder's second duty: a hook aimed at a node where no controller runs says so in its status.

import type { Logger } from "pino";
import { REASON_NO_CONTROLLER } from "../core/reasons.ts";
import { unclaimedStatus } from "../core/status.ts";
import { every } from "../core/time.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isConflict } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { UnclaimedConfig } from "./config.ts";
import type { EventRecorder } from "./events.ts";
import type { StatusWriter } from "./status-writer.ts";
import { Retry } from "./work-queue.ts";

export interface UnclaimedOptions {
  client: KubeClient;
  namespace: string;
  /** `status.nodeName=` where the API server can select by field; otherwise every hook is listed. */
  fieldSelector: string | undefined;
  config: UnclaimedConfig;
  statusWriter: StatusWriter;
  events: EventRecorder;
  logger: Logger;
  now: () => Date;
  /** plexd_hook_unclaimed_hooks: the count of the last look. */
  metrics: Metrics;
}

/** Looks every `config.everyMs` until `signal` aborts; only ever writes status on hooks no one has written. */
export async function reportUnclaimed(options: UnclaimedOptions, signal: AbortSignal): Promise<void> {
  const { client, config, logger, now, metrics } = options;
  // The next holder counts from its first look; this process no longer knows.
  signal.addEventListener("abort", () => metrics.unclaimedHooks.set(0), { once: true });
  await every(config.everyMs, signal, async () => {
    let hooks: PlexdHook[];
    try {
      hooks = await client.listHooks(options.namespace, options.fieldSelector);
    } catch (err) {
      logger.warn({ error: errorText(err) }, "looking for unclaimed hooks failed");
      return;
    }
    let unclaimed = 0;
    for (const hook of hooks) {
      if (!hook.spec.nodeName || hook.metadata.deletionTimestamp) continue;
      const waitedMs = now().getTime() - new Date(hook.metadata.creationTimestamp ?? now()).getTime();
      if (waitedMs < config.afterMs) continue;
      // Reported already (Pending with NoController): still unclaimed, but written once.
      if (isReported(hook)) unclaimed++;
      else if (!hook.status?.phase) {
        unclaimed++;
        await report(options, hook, waitedMs);
      }
    }
    if (!signal.aborted) metrics.unclaimedHooks.set(unclaimed);
  });
}

const isReported = (hook: PlexdHook): boolean =>
  hook.status?.phase === "Pending" &&
  !hook.status.nodeName &&
  hook.status.conditions?.some((c) => c.reason === REASON_NO_CONTROLLER) === true;

/** Writes one hook's unclaimed status; a failure is logged and left to the next pass. */
async function report(options: UnclaimedOptions, hook: PlexdHook, waitedMs: number): Promise<void> {
  const status = unclaimedStatus(hook, Math.round(waitedMs / 1000), options.now());
  try {
    // The resourceVersion guards the race with a node controller that wakes up right now.
    await options.statusWriter.write(hook, status);
  } catch (err) {
    if (!(err instanceof Retry && isConflict(err.cause))) {
      options.logger.warn({ hook: hook.metadata.name, error: errorText(err) }, "reporting an unclaimed hook failed");
    }
    return;
  }
  options.logger.warn({ hook: hook.metadata.name, node: hook.spec.nodeName }, "hook aimed at a node where no controller runs");
  options.events.record(hook, "Warning", REASON_NO_CONTROLLER, status.message as string);
}
