// What `run` exits with: 0 on Succeeded, the container's exit code when it failed with one, 1 otherwise.

import type { PlexdHookStatus } from "../../core/types.ts";

/** core/status.ts words a failed container "… exited with code N (Reason)…" in the hook's message. */
const EXITED = /\bexited with code (\d+)\b/;

/** The failed container's exit code, from status.exitCode or else the status message; undefined if none. */
export function containerExitCode(status: PlexdHookStatus | undefined): number | undefined {
  const structured = status?.exitCode;
  if (typeof structured === "number" && Number.isInteger(structured)) return structured;
  const match = EXITED.exec(status?.message ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * The process exit code for a finished hook. A container code outside 1–255 (0 reported on a failed
 * hook, or a signal number above 255) still means failure, so it becomes 1.
 */
export function exitCodeFor(status: PlexdHookStatus | undefined): number {
  if (status?.phase === "Succeeded") return 0;
  const code = containerExitCode(status);
  return code !== undefined && code >= 1 && code <= 255 ? code : 1;
}
