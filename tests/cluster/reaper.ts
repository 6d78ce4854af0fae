// Kills the cluster's process groups and removes its directories however this process ends.
import { rmSync } from "node:fs";

const processGroups = new Set<number>();
const directories = new Set<string>();
let installed = false;

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Kills every tracked process group and removes every tracked directory, synchronously. */
function reapAll(): void {
  for (const pgid of processGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  processGroups.clear();
  for (const dir of directories) {
    // A just-killed etcd may still be writing, hence the retries.
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
  directories.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  // 'exit' handlers run synchronously only, which SIGKILL and rmSync allow.
  process.on("exit", reapAll);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    process.on(signal, () => {
      reapAll();
      // A program with its own handler (main.ts) decides when to exit; otherwise we must, because
      // listening for a signal switches off its default of ending the process.
      if (process.listenerCount(signal) === 1) process.exit(code);
    });
  }
}

/** Tracks a child started with `detached: true`, whose pid is its process group id. */
export function trackProcessGroup(pgid: number): void {
  install();
  processGroups.add(pgid);
}

export function untrackProcessGroup(pgid: number): void {
  processGroups.delete(pgid);
}

export function trackDirectory(dir: string): void {
  install();
  directories.add(dir);
}

export function untrackDirectory(dir: string): void {
  directories.delete(dir);
}
