// Runs the compiled ./plexd-hook as a separate process and reads its JSON log lines.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "../../cluster/wait.ts";
import { readLines } from "../../support/lines.ts";

export const REPO = join(import.meta.dir, "..", "..", "..");
export const BINARY = join(REPO, "plexd-hook");

type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export interface Operator {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Every JSON log line so far (stderr). */
  logs: LogLine[];
  /** Every raw stderr line, JSON or not. */
  stderr: string[];
  /** The /healthz, /readyz, /metrics base URL once the operator logged it. */
  healthUrl(): Promise<string>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  waitReady(): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  exited: Promise<number>;
}

const live = new Set<Subprocess>();

/** A free port for the probes of operator and fleet, after the command's name (each command takes only its own flags). */
function withHealthAddr(args: string[]): string[] {
  const [first = "", ...rest] = args;
  if (first === "webhook") return args;
  if (first === "fleet" || first === "operator") return [first, "--health-addr", "127.0.0.1:0", ...rest];
  return ["--health-addr", "127.0.0.1:0", ...args];
}
process.on("exit", () => {
  for (const proc of live) proc.kill("SIGKILL");
});

/** Starts the operator; `command` runs another build of it (e.g. the arm64 one under qemu). */
export function startOperator(
  args: string[],
  env: Record<string, string | undefined> = {},
  command: string[] = [BINARY],
): Operator {
  if (!existsSync(command.at(-1)!)) throw new Error(`${command.at(-1)} is missing: run npm run build first`);
  const proc = Bun.spawn([...command, ...withHealthAddr(args)], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: "/nonexistent", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  live.add(proc);
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const onLine = (line: string): void => {
    stderr.push(line);
    if (process.env.PLEXD_E2E_VERBOSE) console.error(`[operator ${proc.pid}] ${line}`);
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      // Not a log line: kept in stderr.
    }
  };
  void readLines(proc.stderr, onLine);
  void readLines(proc.stdout, onLine);
  const exited = proc.exited.then((code) => {
    live.delete(proc);
    return code;
  });
  const healthUrl = () =>
    waitFor(
      "the operator's health address",
      () => logs.find((l) => l.msg === "plexd-hook configured")?.health as string | undefined,
      { timeoutMs: 15_000 },
    );
  return {
    proc,
    logs,
    stderr,
    exited,
    healthUrl,
    async metric(name, labels = {}) {
      const text = await (await fetch(`${await healthUrl()}metrics`)).text();
      const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      let total = 0;
      for (const line of text.split("\n")) {
        if (!line.startsWith(name)) continue;
        const [series, value] = line.split(" ");
        if (series !== name && !series?.startsWith(`${name}{`)) continue;
        if (want.every((w) => series.includes(w))) total += Number(value);
      }
      return total;
    },
    async waitReady() {
      const base = await healthUrl();
      await waitFor("the operator to be ready", async () => (await fetch(`${base}readyz`)).ok, {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
    },
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      return exited;
    },
  };
}
