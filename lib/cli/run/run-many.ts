// `plexd-hook run --selector K=V -- COMMAND`: one hook per matching node, scheduled by fanOut, shown as a live table.

import { LABEL_RUN_ID } from "../../constants.ts";
import { isTerminal } from "../../core/status.ts";
import type { PlexdHookStatus } from "../../core/types.ts";
import { errorText } from "../../kube/errors.ts";
import { type CommandContext, describeFailure, every } from "./context.ts";
import { containerExitCode, exitCodeFor } from "./exit-code.ts";
import { fanOut } from "./fanout.ts";
import { followHook } from "./follow.ts";
import { buildRunHook, newRunId } from "./hook.ts";
import type { RunRequest } from "./options.ts";
import { deleteHooks } from "./remove.ts";
import { INTERRUPTED, leaveOrDelete } from "./run-one.ts";
import { createTable, type Row } from "./table.ts";

export async function runMany(request: RunRequest, ctx: CommandContext, namespace: string): Promise<number> {
  const selector = request.selector as string;
  let nodes: string[];
  try {
    nodes = await ctx.client.nodeNames(selector);
  } catch (err) {
    ctx.err.write(`error: ${describeFailure(err, ctx.server, `cannot list the nodes matching ${selector}`)}\n`);
    return 1;
  }
  if (nodes.length === 0) {
    ctx.err.write(`error: no node matches --selector ${selector}\n`);
    return 1;
  }
  const runId = request.name ?? newRunId();
  const runSelector = `${LABEL_RUN_ID}=${runId}`;
  const budget = request.maxFailures === undefined ? "" : `, stopping after ${request.maxFailures} failed`;
  ctx.err.write(
    `run ${runId}: ${nodes.length} node(s), ${request.maxParallel} at a time${budget} (kubectl get plexdhooks -n ${namespace} -l ${runSelector})\n`,
  );

  const rows = new Map<string, Row>(nodes.map((node) => [node, { node, phase: "Waiting" }]));
  const view = createTable(ctx.err, ctx.tty, ctx.now);
  const redraw = (): void => view.update([...rows.values()]);
  const stopTimer = every(ctx.redrawMs, redraw);
  const created: string[] = [];
  const errors: string[] = [];

  const result = await fanOut(
    nodes,
    { maxParallel: request.maxParallel, maxFailures: request.maxFailures, signal: ctx.signal },
    async (node) => {
      const row = rows.get(node) as Row;
      const body = buildRunHook(request, node, runId, namespace);
      row.startedAt = ctx.now();
      row.phase = "Pending";
      redraw();
      let status: PlexdHookStatus | undefined;
      try {
        await ctx.client.createHook(body);
        created.push(body.metadata.name);
        for await (const hook of followHook(ctx.client, namespace, body.metadata.name, ctx.signal)) {
          status = hook.status;
          row.phase = status?.phase ?? "Pending";
          redraw();
        }
      } catch (err) {
        errors.push(`${node}: ${describeFailure(err, ctx.server, `hook ${body.metadata.name}`)}`);
        status = { phase: "Failed", message: errorText(err) };
      }
      if (!isTerminal(status?.phase)) return { ok: false, value: status }; // interrupted
      row.endedAt = ctx.now();
      row.phase = status?.phase as string;
      const code = containerExitCode(status);
      row.exitCode = status?.phase === "Succeeded" ? 0 : code;
      redraw();
      return { ok: status?.phase === "Succeeded", value: status };
    },
  );
  stopTimer();
  for (const r of result) if (!r.started) (rows.get(r.node) as Row).phase = "Skipped";
  view.finish([...rows.values()]);
  for (const line of errors) ctx.err.write(`error: ${line}\n`);
  for (const r of result) {
    if (r.started && r.value?.phase === "Failed" && r.value.message) ctx.err.write(`${r.node}: ${r.value.message}\n`);
  }

  if (ctx.signal.aborted) {
    await leaveOrDelete(ctx, request, namespace, created, runSelector);
    return INTERRUPTED;
  }
  // A hook left behind against --rm is a failure of the command, though not of the hooks.
  const removed = !request.rm || (await deleteHooks(ctx, namespace, created));
  const failed = result.filter((r) => r.started && !r.ok).length;
  const skipped = result.filter((r) => !r.started).length;
  ctx.err.write(`run ${runId}: ${nodes.length - failed - skipped} succeeded, ${failed} failed, ${skipped} not started\n`);
  if (failed + skipped === 0) return removed ? 0 : 1;
  // One node: pass its exit code through, as a single run would.
  const only = result.length === 1 ? result[0] : undefined;
  return only?.started ? exitCodeFor(only.value) : 1;
}
