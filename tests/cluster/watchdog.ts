// A shell sidecar that tears the cluster down if this process dies without running any handler.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { Child } from "./child.ts";
import { startChild } from "./child.ts";

// SIGKILL, or a runner that kills its workers hard, skips every 'exit' handler; only another
// process can clean up then. It polls because nothing notifies a non-child of a process's death,
// and it ends by itself once stop() has removed the directory.
const SCRIPT = `
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
[ -d "$dir" ] || exit 0
for group in $(cat "$dir/pgids" 2>/dev/null); do kill -9 -"$group" 2>/dev/null; done
rm -rf "$dir" 2>/dev/null || { sleep 1; rm -rf "$dir"; }
`;

function pgidsFile(dir: string): string {
  return join(dir, "pgids");
}

/** Records a component's process group so the watchdog can kill it. */
export function recordProcessGroup(dir: string, child: Child): void {
  appendFileSync(pgidsFile(dir), `${child.pid}\n`);
}

/** Starts the watchdog for the cluster in `dir`, owned by the current process. */
export function startWatchdog(dir: string): Child {
  return startChild("watchdog", "/bin/sh", ["-c", SCRIPT, "watchdog", String(process.pid), dir], {
    logPath: join(dir, "logs", "watchdog.log"),
  });
}
