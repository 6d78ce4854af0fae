// Keeps a duty running while the Lease is held: a run that fails (a watch that cannot be opened) is retried with backoff.

import type { Logger } from "pino";
import type { RetryConfig } from "../controller/config.ts";
import { backoffDelay, sleep } from "../core/time.ts";
import { errorText } from "../kube/errors.ts";

/** Runs `run` until it returns or `signal` aborts, retrying after each failure with backoff. */
export async function keepRunning(
  duty: string,
  run: () => Promise<void>,
  signal: AbortSignal,
  retry: RetryConfig,
  logger: Logger,
): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await run();
      return;
    } catch (err) {
      if (signal.aborted) return;
      logger.error({ duty, error: errorText(err) }, "duty failed, retrying");
      await sleep(backoffDelay(attempt, retry.baseMs, retry.maxMs), signal);
    }
  }
}
