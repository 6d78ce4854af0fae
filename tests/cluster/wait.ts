// waitFor(what, check, options): polls until a check holds, a deadline passes, or a watched component dies.
// The one polling helper of the repository: the local control plane, its scripts, the e2e and unit tests.

import type { Child } from "./child.ts";
import { logTail } from "./child.ts";

export interface WaitOptions {
  /** Default 5 s. */
  timeoutMs?: number;
  /** Default 50 ms. */
  intervalMs?: number;
  /** Components whose early exit makes waiting pointless; the error then carries their log. */
  children?: readonly Child[];
}

/**
 * Calls `check` until it returns a value other than undefined or false, and returns that value. Errors
 * thrown by `check` count as "not yet" (the API server refuses connections while it starts); the last
 * one is reported on timeout.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  for (;;) {
    const dead = opts.children?.find((c) => !c.isRunning());
    if (dead !== undefined) {
      throw new Error(
        `${dead.name} exited while waiting for ${what}: ${await dead.exited}\n` +
          `--- ${dead.logPath} (tail) ---\n${logTail(dead.logPath)}`,
      );
    }
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = "";
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const logs = (opts.children ?? []).map((c) => `\n--- ${c.logPath} (tail) ---\n${logTail(c.logPath, 15)}`).join("");
      const cause = lastError === "" ? "" : ` (last error: ${lastError})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}${logs}`);
    }
    await Bun.sleep(opts.intervalMs ?? 50);
  }
}
