// Runs one control-plane component as a child process in its own process group, logging to a file.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { trackProcessGroup, untrackProcessGroup } from "./reaper.ts";

/** A running component. `exited` settles when the process ends, with a description of how. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly exited: Promise<string>;
  isRunning(): boolean;
  /** Sends SIGTERM, then SIGKILL after `graceMs`, and resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildOptions {
  logPath: string;
  env?: Record<string, string>;
}

/** Starts `bin` with `args`; stdout and stderr are appended to `logPath`. */
export function startChild(name: string, bin: string, args: string[], opts: ChildOptions): Child {
  const log = openSync(opts.logPath, "a");
  // Its own process group lets one kill reach anything the component forks, and keeps a terminal's
  // Ctrl-C from reaching the component before we decide how to shut it down.
  const proc = spawn(bin, args, {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, ...opts.env },
  });
  closeSync(log);
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`Could not start ${name}: ${bin}`);
  trackProcessGroup(pid);

  let running = true;
  const exited = new Promise<string>((resolve) => {
    proc.once("exit", (code, signal) => {
      running = false;
      untrackProcessGroup(pid);
      resolve(signal === null ? `exit code ${code}` : `signal ${signal}`);
    });
    proc.once("error", (err) => {
      running = false;
      untrackProcessGroup(pid);
      resolve(`error ${err.message}`);
    });
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };

  return {
    name,
    pid,
    logPath: opts.logPath,
    exited,
    isRunning: () => running,
    async stop(graceMs = 5_000) {
      if (!running) return;
      signalGroup(graceMs > 0 ? "SIGTERM" : "SIGKILL");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it forked outlives it.
      signalGroup("SIGKILL");
    },
  };
}

/** The last `lines` lines of a component's log, for error messages. */
export function logTail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
