// `plexd-hook rollout status|pause|resume|abort NAME`: follow or steer a PlexdRollout, with exit codes for scripts.

import { parseArgs } from "node:util";
import type { PlexdRollout, PlexdRolloutSpec } from "../../fleet/rollout/types.ts";
import { DEFAULT_NAMESPACE, UsageError } from "../flags.ts";
import { flagLines } from "../help.ts";
import { commandContext, type Subcommand } from "../run/command.ts";
import { type CommandContext, describeFailure } from "../run/context.ts";
import { followRollout, RolloutDeleted } from "../run/follow-rollout.ts";
import { INTERRUPTED } from "../run/run-one.ts";
import * as S from "./summary.ts";

const ROLLOUT_FLAGS = {
  namespace: { type: "string", short: "n", arg: "NAME", help: `namespace of the rollout (default: ${DEFAULT_NAMESPACE})` },
  "no-watch": { type: "boolean", help: "status: print once and exit (3 while the rollout has not ended)" },
  kubeconfig: { type: "string", arg: "PATH", help: "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)" },
  context: { type: "string", arg: "NAME", help: "kubeconfig context to use" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

/** What pause, resume and abort change in the spec, and what they say. */
const STEERING: Record<string, { spec: Partial<PlexdRolloutSpec>; said: string }> = {
  pause: { spec: { paused: true }, said: "paused: no node starts until it is resumed; running hooks finish" },
  resume: { spec: { paused: false }, said: "resumed" },
  abort: { spec: { abort: true }, said: "aborted: no node starts any more; running hooks finish, then it ends Failed" },
};

function rolloutHelp(program: string): string {
  return [
    "Follows or steers a PlexdRollout (kubectl get pr lists them).",
    "",
    "Usage:",
    `  ${program} rollout status NAME [--no-watch]   progress until it ends; exit 0 Succeeded, 1 Failed`,
    `  ${program} rollout pause NAME                 no node starts until resumed; running hooks finish`,
    `  ${program} rollout resume NAME`,
    `  ${program} rollout abort NAME                 no node starts any more; it ends Failed (reason Aborted)`,
    "",
    `Exit codes: ${S.EXIT_SUCCEEDED} succeeded (or done), ${S.EXIT_FAILED} failed, ${S.EXIT_USAGE} usage, ${S.EXIT_IN_PROGRESS} not ended yet (--no-watch), ${S.EXIT_UNREADABLE} not found or not readable, ${INTERRUPTED} interrupted.`,
    "",
    "Flags:",
    ...flagLines(ROLLOUT_FLAGS),
    "",
  ].join("\n");
}

async function status(ctx: CommandContext, namespace: string, name: string, watch: boolean): Promise<number> {
  let said = "";
  const say = (rollout: PlexdRollout): void => {
    const text = [S.progressLine(rollout), ...S.detailLines(rollout)].join("\n");
    if (text !== said) ctx.out.write(`${text}\n`);
    said = text;
  };
  let rollout: PlexdRollout | undefined;
  try {
    rollout = await ctx.client.getRollout(namespace, name);
  } catch (err) {
    ctx.err.write(`error: ${describeFailure(err, ctx.server, `cannot read PlexdRollout ${name}`)}\n`);
    return S.EXIT_UNREADABLE;
  }
  if (!rollout) {
    ctx.err.write(`error: PlexdRollout ${name} not found in namespace ${namespace}\n`);
    return S.EXIT_UNREADABLE;
  }
  say(rollout);
  if (!watch || S.statusExitCode(rollout) !== S.EXIT_IN_PROGRESS) return S.statusExitCode(rollout);
  try {
    const ended = await followRollout(ctx.client, namespace, name, ctx.signal, (view) => view.rollout && say(view.rollout));
    return ended ? S.statusExitCode(ended) : INTERRUPTED;
  } catch (err) {
    const what = err instanceof RolloutDeleted ? err.message : describeFailure(err, ctx.server, `following PlexdRollout ${name}`);
    ctx.err.write(`error: ${what}\n`);
    return S.EXIT_UNREADABLE;
  }
}

async function steer(ctx: CommandContext, namespace: string, name: string, action: string): Promise<number> {
  const { spec, said } = STEERING[action] as (typeof STEERING)[string];
  try {
    const rollout = await ctx.client.patchRolloutSpec(namespace, name, spec);
    ctx.out.write(`rollout ${name} ${said} (${rollout.status?.phase ?? "Pending"})\n`);
    return 0;
  } catch (err) {
    ctx.err.write(
      `error: ${describeFailure(err, ctx.server, `cannot ${action} PlexdRollout ${name} in namespace ${namespace}`)}\n`,
    );
    return S.EXIT_UNREADABLE;
  }
}

export const rolloutCommand: Subcommand = async (argv, env, terminal, signal, program) => {
  let values: { namespace?: string; "no-watch"?: boolean; kubeconfig?: string; context?: string; help?: boolean };
  let action: string | undefined;
  let name: string | undefined;
  try {
    const parsed = parseArgs({ args: argv, options: ROLLOUT_FLAGS, allowPositionals: true, strict: true });
    values = parsed.values;
    [action, name] = parsed.positionals;
    if (!values.help) {
      if (action === undefined || !(action === "status" || action in STEERING)) {
        throw new UsageError(`Name an action: status, pause, resume or abort${action ? `: ${JSON.stringify(action)}` : ""}`);
      }
      if (name === undefined || parsed.positionals.length !== 2) throw new UsageError("Name exactly one rollout");
      if (values["no-watch"] && action !== "status") throw new UsageError("--no-watch goes with status only");
    }
  } catch (err) {
    terminal.err.write(
      `error: ${(err as Error).message.replace(/\. To specify.*$/s, "")}\nRun '${program} rollout --help' for usage.\n`,
    );
    return S.EXIT_USAGE;
  }
  if (values.help || action === undefined || name === undefined) {
    terminal.out.write(rolloutHelp(program));
    return 0;
  }
  const ctx = commandContext(values, env, terminal, signal, program);
  if (typeof ctx === "number") return S.EXIT_UNREADABLE;
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  return action === "status" ? status(ctx, namespace, name, !values["no-watch"]) : steer(ctx, namespace, name, action);
};
