// Polls a condition until it holds, a deadline passes, or a watched component dies.
import type { Child } from "./child.ts";
import { logTail } from "./child.ts";

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Components whose early exit makes waiting pointless; the error then carries their log. */
  children?: readonly Child[];
}

/**
 * Calls `check` until it returns a value other than undefined and returns that value. Errors thrown
 * by `check` count as "not yet" (the API server refuses connections while it starts); the last one
 * is reported on timeout.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
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
      if (value !== undefined) return value;
      lastError = "";
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const logs = (opts.children ?? []).map((c) => `--- ${c.logPath} (tail) ---\n${logTail(c.logPath, 15)}`).join("\n");
      const cause = lastError === "" ? "" : ` (last error: ${lastError})`;
      throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}${cause}\n${logs}`);
    }
    await Bun.sleep(interval);
  }
}
