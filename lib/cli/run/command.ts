// The `run` command: flags in, a RunClient from the user's kubeconfig, then one node or a fan-out.

import { homedir } from "node:os";
import { DEFAULT_NAMESPACE, UsageError } from "../flags.ts";
import { flagLines } from "../help.ts";
import { loadKubeConfig } from "../kubeconfig.ts";
import { RestRunClient } from "./client.ts";
import type { CommandContext } from "./context.ts";
import { parseRunArgs, RUN_FLAGS, type RunRequest } from "./options.ts";
import type { Writer } from "./render.ts";
import { runMany } from "./run-many.ts";
import { runOne } from "./run-one.ts";

/** The terminal as the entry point sees it. */
export interface Terminal {
  out: Writer;
  err: Writer;
  tty: boolean;
  confirm(question: string): Promise<boolean>;
}

const REDRAW_MS = 100;

function runHelp(program: string): string {
  return [
    "Runs a command on a node as a PlexdHook, shows its phase and log, and exits with its exit code.",
    "With --selector, creates a PlexdRollout that the fleet controller runs on every matching node, and",
    "shows its live table; Ctrl-C leaves the rollout running (see the rollout command).",
    "",
    "Usage:",
    `  ${program} run NODE [flags] -- COMMAND [ARG...]`,
    `  ${program} run --selector KEY=VALUE [--max-parallel N] [--max-failures M] [flags] -- COMMAND [ARG...]`,
    "",
    "Examples:",
    `  ${program} run node-a -- df -h /`,
    `  ${program} run --selector node-role.kubernetes.io/worker= --max-parallel 2 --max-failures 1 -- /bin/upgrade.sh`,
    "",
    "Flags:",
    ...flagLines(RUN_FLAGS),
    "",
  ].join("\n");
}

/** Builds the context from the user's kubeconfig; returns an exit code instead when it cannot. */
export function commandContext(
  request: Pick<RunRequest, "kubeconfig" | "context">,
  env: Record<string, string | undefined>,
  terminal: Terminal,
  signal: AbortSignal,
  program?: string,
): CommandContext | number {
  try {
    const { config } = loadKubeConfig({
      kubeconfig: request.kubeconfig,
      context: request.context,
      env,
      home: env.HOME ?? homedir(),
    });
    const client = new RestRunClient(config);
    const redrawMs = terminal.tty ? REDRAW_MS : 0;
    return { ...terminal, client, server: client.server, now: () => Date.now(), signal, redrawMs, program };
  } catch (err) {
    terminal.err.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

/** A person's command (`run`, `logs`): its arguments after the command's name in, the exit code out. */
export type Subcommand = (
  argv: string[],
  env: Record<string, string | undefined>,
  terminal: Terminal,
  signal: AbortSignal,
  program: string,
) => Promise<number>;

export const runCommand: Subcommand = async (argv, env, terminal, signal, program) => {
  let request: RunRequest;
  try {
    request = parseRunArgs(argv);
    if (request.detach && request.selector) throw new UsageError("--detach works for one NODE; a --selector run needs watching");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    terminal.err.write(`error: ${err.message}\nRun '${program} run --help' for usage.\n`);
    return 2;
  }
  if (request.help) {
    terminal.out.write(runHelp(program));
    return 0;
  }
  const ctx = commandContext(request, env, terminal, signal, program);
  if (typeof ctx === "number") return ctx;
  const namespace = request.namespace ?? DEFAULT_NAMESPACE;
  return request.selector ? runMany(request, ctx, namespace) : runOne(request, ctx, namespace);
};
