// The workers: a reconciler run on a work queue's keys, each result counted, each failure logged before the queue retries it.

import type { Logger } from "pino";
import { errorText } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { Outcome, WorkQueue } from "./work-queue.ts";

interface HookReconciler {
  reconcile(key: string): Promise<Outcome>;
}

export interface WorkerOptions {
  metrics: Metrics;
  logger: Logger;
  /** The log line of a failed reconcile. */
  failed: string;
  /** Whether a failure is routine (logged at debug level) rather than one that must be seen. */
  routine: (err: unknown) => boolean;
}

/** Runs `reconciler` on the queue's hook keys until `signal` aborts; see WorkQueue.run. */
export function runWorkers(
  queue: WorkQueue,
  reconciler: HookReconciler,
  options: WorkerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { metrics, logger, failed, routine } = options;
  return queue.run(async (key) => {
    try {
      const outcome = await reconciler.reconcile(key);
      metrics.reconciles.inc({ result: outcome ? "requeue" : "success" });
      return outcome;
    } catch (err) {
      metrics.reconciles.inc({ result: "error" });
      logger[routine(err) ? "debug" : "warn"]({ hook: key, error: errorText(err), attempt: queue.attempts(key) + 1 }, failed);
      throw err;
    }
  }, signal);
}
