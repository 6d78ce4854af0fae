// `plexd-hook run NODE -- COMMAND`: create the hook, show its phase and log, exit with its exit code.

import { isTerminal } from "../../core/status.ts";
import { sleep } from "../../core/time.ts";
import type { PlexdHook } from "../../core/types.ts";
import { errorText } from "../../kube/errors.ts";
import { type CommandContext, describeFailure, every } from "./context.ts";
import { exitCodeFor } from "./exit-code.ts";
import { followHook, HookDeleted } from "./follow.ts";
import { buildRunHook, newRunId } from "./hook.ts";
import { hookLogLines } from "./hook-log.ts";
import type { RunRequest } from "./options.ts";
import { deleteHooks } from "./remove.ts";
import { createRenderer, formatElapsed } from "./render.ts";

/** After the hook ends, its log gets this long to deliver its last lines. */
const LOG_DRAIN_MS = 5_000;
/** Exit code after Ctrl-C, as a shell reports a process ended by SIGINT. */
export const INTERRUPTED = 130;

/** The last line: `run-x7k2p-node-a on node-a: Failed after 3.0 s: Job … exited with code 3 (Error)`. */
function finalLine(what: string, hook: PlexdHook, elapsedMs: number): string {
  const phase = hook.status?.phase;
  if (phase === "Succeeded") return `${what}: Succeeded in ${formatElapsed(elapsedMs)}`;
  const message = hook.status?.message ? `: ${hook.status.message}` : "";
  return `${what}: ${phase} after ${formatElapsed(elapsedMs)}${message}`;
}

/** After Ctrl-C: delete the hook if --rm or the person says so; otherwise say how to find it again. */
async function leaveOrDelete(ctx: CommandContext, request: RunRequest, namespace: string, names: string[], selector?: string) {
  const which = selector ? `the run's ${names.length} hooks` : `hook ${names[0]}`;
  const remove = request.rm || (await ctx.confirm(`Delete ${which}? [y/N] `));
  if (remove) {
    if (await deleteHooks(ctx, namespace, names)) ctx.err.write(`deleted ${which}\n`);
  } else {
    const target = selector ? `-l ${selector}` : names[0];
    ctx.err.write(`${which} left in place: kubectl delete plexdhook ${target} -n ${namespace}\n`);
  }
}

export async function runOne(request: RunRequest, ctx: CommandContext, namespace: string): Promise<number> {
  const node = request.node as string;
  const body = buildRunHook(request, node, newRunId(), namespace);
  const name = body.metadata.name;
  try {
    await ctx.client.createHook(body);
  } catch (err) {
    ctx.err.write(`error: ${describeFailure(err, ctx.server, `cannot create PlexdHook ${name} in namespace ${namespace}`)}\n`);
    return 1;
  }
  if (request.detach) {
    ctx.out.write(`${name}\n`);
    return 0;
  }
  const what = `${name} on ${node}`;
  const started = ctx.now();
  const view = createRenderer(what, { out: ctx.out, err: ctx.err, tty: ctx.tty, now: ctx.now });
  const stopTimer = every(ctx.redrawMs, () => view.tick());
  const logAbort = new AbortController();
  let logDone: Promise<void> | undefined;
  const startLog = (hook: PlexdHook): void => {
    logDone ??= (async () => {
      try {
        for await (const line of hookLogLines(ctx.client, hook, { follow: true, signal: logAbort.signal })) view.log(line);
      } catch (err) {
        if (!logAbort.signal.aborted) view.note(errorText(err));
      }
    })();
  };
  let final: PlexdHook | undefined;
  let said: string | undefined;
  try {
    view.phase("Pending");
    for await (const hook of followHook(ctx.client, namespace, name, ctx.signal)) {
      const { phase = "Pending", message } = hook.status ?? {};
      view.phase(phase);
      // A Pending hook that says why (no controller, pod not starting) is worth a line.
      if (phase === "Pending" && message && message !== said) {
        said = message;
        view.note(`${name}: ${message}`);
      }
      if (phase !== "Pending") startLog(hook);
      if (isTerminal(phase)) final = hook;
    }
  } catch (err) {
    logAbort.abort();
    stopTimer();
    const why = err instanceof HookDeleted ? err.message : describeFailure(err, ctx.server, `cannot follow PlexdHook ${name}`);
    view.done(`error: ${why}`);
    return 1;
  }
  if (!final) {
    logAbort.abort();
    stopTimer();
    view.done(`${what}: interrupted`);
    await leaveOrDelete(ctx, request, namespace, [name]);
    return INTERRUPTED;
  }
  if (logDone) await Promise.race([logDone, sleep(LOG_DRAIN_MS, ctx.signal)]);
  logAbort.abort();
  stopTimer();
  view.done(finalLine(what, final, ctx.now() - started));
  const code = exitCodeFor(final.status);
  // A hook left behind against --rm is a failure of the command, though not of the hook.
  if (request.rm && !(await deleteHooks(ctx, namespace, [name]))) return code || 1;
  return code;
}
