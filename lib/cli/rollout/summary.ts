// How `rollout status` words a PlexdRollout: one line of progress, the reason it gives, its newest failures.

import type { PlexdRollout } from "../../fleet/rollout/types.ts";

/** Exit codes of `rollout`, for scripts. */
export const EXIT_SUCCEEDED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** status --no-watch: the rollout has not ended yet. */
export const EXIT_IN_PROGRESS = 3;
/** The rollout could not be read or changed: not found, forbidden, unreachable. */
export const EXIT_UNREADABLE = 4;

/** `Progressing: 3 running, 12 succeeded, 1 failed, 14 pending, 0 skipped of 30 (batch 2/4, partition z1)`. */
export function progressLine(rollout: PlexdRollout): string {
  const s = rollout.status ?? {};
  const counts = `${s.running ?? 0} running, ${s.succeeded ?? 0} succeeded, ${s.failed ?? 0} failed, ${s.pending ?? 0} pending, ${s.skipped ?? 0} skipped of ${s.selected ?? 0}`;
  const where = [
    ...(s.batches && s.batches > 1 ? [`batch ${s.batch}/${s.batches}`] : []),
    ...(s.partition !== undefined ? [`partition ${s.partition || "(unlabelled)"}`] : []),
  ];
  return `${s.phase ?? "Pending"}: ${counts}${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
}

/** The Progressing condition's reason and message, and the failed nodes, one per line. */
export function detailLines(rollout: PlexdRollout): string[] {
  const progressing = rollout.status?.conditions?.find((c) => c.type === "Progressing");
  const lines = progressing ? [`  ${progressing.reason}: ${progressing.message}`] : [];
  if (rollout.spec.paused && rollout.status?.phase !== "Paused") lines.push("  paused (spec.paused)");
  for (const failure of rollout.status?.failedNodes ?? []) {
    const code = failure.exitCode === undefined ? "" : ` (exit ${failure.exitCode})`;
    lines.push(`  failed: ${failure.node}${code}${failure.message ? `: ${failure.message}` : ""}`);
  }
  return lines;
}

/** The exit code for what `rollout status` saw. */
export function statusExitCode(rollout: PlexdRollout): number {
  const phase = rollout.status?.phase;
  if (phase === "Succeeded") return EXIT_SUCCEEDED;
  if (phase === "Failed") return EXIT_FAILED;
  return EXIT_IN_PROGRESS;
}
