// `plexd-hook logs HOOK [-f]`: the hook's container log, found through its Job; the phase and exit code when there is none.

import { parseArgs } from "node:util";
import { DEFAULT_NAMESPACE, UsageError } from "../flags.ts";
import { flagLines } from "../help.ts";
import { commandContext, type Subcommand } from "./command.ts";
import { describeFailure } from "./context.ts";
import { containerExitCode } from "./exit-code.ts";
import { hookLogLines, NoLog } from "./hook-log.ts";

export const LOGS_FLAGS = {
  follow: { type: "boolean", short: "f", help: "keep printing the log until the container ends" },
  namespace: { type: "string", short: "n", arg: "NAME", help: `namespace of the hook (default: ${DEFAULT_NAMESPACE})` },
  kubeconfig: { type: "string", arg: "PATH", help: "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)" },
  context: { type: "string", arg: "NAME", help: "kubeconfig context to use" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

function logsHelp(program: string): string {
  return [
    "Prints a hook's container log, found through its Job.",
    "",
    `Usage: ${program} logs HOOK [-f] [-n NAMESPACE]`,
    "",
    "Flags:",
    ...flagLines(LOGS_FLAGS),
    "",
  ].join("\n");
}

export const logsCommand: Subcommand = async (argv, env, terminal, signal, program) => {
  let values: { follow?: boolean; namespace?: string; kubeconfig?: string; context?: string; help?: boolean };
  let name: string | undefined;
  try {
    const parsed = parseArgs({ args: argv, options: LOGS_FLAGS, allowPositionals: true, strict: true });
    values = parsed.values;
    if (!values.help && parsed.positionals.length !== 1) throw new UsageError("Name exactly one HOOK");
    name = parsed.positionals[0];
  } catch (err) {
    terminal.err.write(
      `error: ${(err as Error).message.replace(/\. To specify.*$/s, "")}\nRun '${program} logs --help' for usage.\n`,
    );
    return 2;
  }
  if (values.help || name === undefined) {
    terminal.out.write(logsHelp(program));
    return 0;
  }
  const ctx = commandContext(values, env, terminal, signal);
  if (typeof ctx === "number") return ctx;
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  let hook: Awaited<ReturnType<typeof ctx.client.getHook>>;
  try {
    hook = await ctx.client.getHook(namespace, name);
  } catch (err) {
    terminal.err.write(`error: ${describeFailure(err, ctx.server, `cannot read PlexdHook ${name}`)}\n`);
    return 1;
  }
  if (!hook) {
    terminal.err.write(`error: PlexdHook ${name} not found in namespace ${namespace}\n`);
    return 1;
  }
  try {
    for await (const line of hookLogLines(ctx.client, hook, { follow: values.follow ?? false, signal })) {
      terminal.out.write(`${line}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof NoLog)) throw err;
    const status = hook.status ?? {};
    const kept = status.output;
    if (kept) {
      terminal.err.write(`${err.message}; the output the hook kept (status.output):\n`);
      terminal.out.write(kept.endsWith("\n") ? kept : `${kept}\n`);
    } else terminal.err.write(`${err.message}\n`);
    const code = containerExitCode(status);
    const phase = status.phase ?? "Pending";
    terminal.err.write(
      `${name}: ${phase}${code === undefined ? "" : `, exit code ${code}`}${status.message ? `: ${status.message}` : ""}\n`,
    );
    return 1;
  }
};
