// `plexd-hook run --selector K=V -- COMMAND`: a PlexdRollout the fleet controller runs, followed as a live table.

import { errorText } from "../../kube/errors.ts";
import { UsageError } from "../flags.ts";
import { type CommandContext, describeFailure, every } from "./context.ts";
import { exitCodeFor } from "./exit-code.ts";
import { followRollout, type RolloutView, rolloutRows } from "./follow-rollout.ts";
import { newRunId } from "./hook.ts";
import type { RunRequest } from "./options.ts";
import { buildRunRollout, type NewRollout } from "./rollout-body.ts";
import { INTERRUPTED } from "./run-one.ts";
import { createTable } from "./table.ts";

export async function runMany(request: RunRequest, ctx: CommandContext, namespace: string): Promise<number> {
  const selector = request.selector as string;
  const name = request.name ?? `run-${newRunId()}`;
  let body: NewRollout;
  try {
    body = buildRunRollout(request, name, namespace);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    ctx.err.write(`error: ${err.message}\n`);
    return 2;
  }
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
  try {
    await ctx.client.createRollout(body);
  } catch (err) {
    ctx.err.write(`error: ${describeFailure(err, ctx.server, `cannot create PlexdRollout ${name} in namespace ${namespace}`)}\n`);
    return 1;
  }
  const budget = request.maxFailures === undefined ? "" : `, stopping after ${request.maxFailures} failed`;
  ctx.err.write(
    `rollout ${name}: ${nodes.length} node(s), ${request.maxParallel} at a time${budget}, run by the fleet controller (kubectl get pr ${name} -n ${namespace})\n`,
  );

  let view: RolloutView = { hooks: new Map() };
  const table = createTable(ctx.err, ctx.tty, ctx.now);
  const redraw = (): void => table.update(rolloutRows(view, nodes));
  const stopTimer = every(ctx.redrawMs, redraw);
  let ended: Awaited<ReturnType<typeof followRollout>>;
  try {
    ended = await followRollout(ctx.client, namespace, name, ctx.signal, (next) => {
      view = next;
      redraw();
    });
  } catch (err) {
    stopTimer();
    ctx.err.write(`error: ${describeFailure(err, ctx.server, `following PlexdRollout ${name}`)}\n`);
    return 1;
  } finally {
    stopTimer();
  }
  const rows = rolloutRows(view, nodes);
  table.finish(rows);
  const program = ctx.program ?? "plexd-hook";
  if (!ended) {
    ctx.err.write(
      `rollout ${name} goes on in the cluster: follow it with '${program} rollout status ${name} -n ${namespace}', stop it with '${program} rollout abort ${name} -n ${namespace}'\n`,
    );
    return INTERRUPTED;
  }
  for (const hook of view.hooks.values()) {
    if (hook.status?.phase === "Failed" && hook.status.message) ctx.err.write(`${hook.spec.nodeName}: ${hook.status.message}\n`);
  }
  const status = ended.status ?? {};
  if (request.rm) {
    await ctx.client.deleteRollout(namespace, name).catch((err) => {
      ctx.err.write(`error: ${describeFailure(err, ctx.server, `cannot delete PlexdRollout ${name}`)}: ${errorText(err)}\n`);
    });
  }
  const failed = status.failed ?? 0;
  const skipped = (status.skipped ?? 0) + (status.pending ?? 0);
  ctx.err.write(
    `rollout ${name}: ${status.phase}: ${status.succeeded ?? 0} succeeded, ${failed} failed, ${skipped} not started\n`,
  );
  if (status.phase === "Succeeded" && failed === 0) return 0;
  // One node: pass its exit code through, as a single run would.
  const only = rows.length === 1 ? view.hooks.get(rows[0]?.node as string) : undefined;
  return only ? exitCodeFor(only.status) : 1;
}
