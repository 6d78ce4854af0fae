// `kubectl plexd` as a person runs it: kubectl with the plexd-hook binary on PATH as kubectl-plexd, with or without a pseudo-terminal.

import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Cluster } from "../../cluster/cluster.ts";
import { waitFor } from "../../cluster/wait.ts";
import { BINARY } from "./operator.ts";

export interface PluginRun {
  /** Each stdout line with the milliseconds after the start it arrived at; on a terminal, every line. */
  lines: { text: string; at: number }[];
  /** All of stdout (on a terminal: everything the terminal received, escape sequences included). */
  stdout(): string;
  stderr(): string;
  /** Waits until stdout holds `text`. */
  waitOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Keys typed at the terminal ("\x03" is Ctrl-C, "\r" Enter). */
  type(keys: string): void;
  exited: Promise<number>;
}

let pluginDir: string | undefined;

/** A directory holding only kubectl-plexd, a link to the built binary, as krew would install it. */
function pluginPath(): string {
  if (pluginDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "plexd-plugin-"));
    symlinkSync(BINARY, join(dir, "kubectl-plexd"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    pluginDir = dir;
  }
  return pluginDir;
}

/** Starts `kubectl plexd ARGS`; with `pty`, inside `script`, so stdin, stdout and stderr are one real terminal. */
export function kubectlPlexd(cluster: Cluster, args: string[], options: { pty?: boolean; timeoutMs?: number } = {}): PluginRun {
  const command = [cluster.bin.kubectl, "plexd", ...args];
  const quoted = command.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
  // -e: script exits with the command's code; -q: no "Script started" lines.
  const argv = options.pty ? ["script", "-q", "-e", "-c", quoted, "/dev/null"] : command;
  const started = performance.now();
  const proc = Bun.spawn(argv, {
    env: {
      PATH: `${pluginPath()}:${dirname(cluster.bin.kubectl)}:/usr/bin:/bin`,
      KUBECONFIG: cluster.kubeconfig,
      HOME: pluginPath(),
      TERM: "xterm",
      SHELL: "/bin/sh",
    },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let err = "";
  let partial = "";
  const lines: PluginRun["lines"] = [];
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of proc.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      out += text;
      const parts = (partial + text).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) lines.push({ text: line.replace(/\r$/, ""), at: performance.now() - started });
    }
  })();
  const readingErr = (async () => {
    for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
  })();
  return {
    lines,
    stdout: () => out,
    stderr: () => err,
    waitOutput: (text, timeoutMs = 60_000) =>
      waitFor(`kubectl plexd ${args.join(" ")} to print ${JSON.stringify(text)}`, () => out.includes(text) || undefined, {
        timeoutMs,
        intervalMs: 50,
      }).then(() => undefined),
    type(keys) {
      proc.stdin.write(keys);
      proc.stdin.flush();
    },
    exited: new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`kubectl plexd ${args.join(" ")} still running; stdout so far: ${out}\nstderr so far: ${err}`));
      }, options.timeoutMs ?? 90_000);
      Promise.all([proc.exited, reading, readingErr]).then(([code]) => {
        clearTimeout(timer);
        proc.stdin.end();
        resolve(code);
      }, reject);
    }),
  };
}
