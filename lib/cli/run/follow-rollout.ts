// Follows a PlexdRollout and its hooks through two watches until the rollout ends, and turns them into table rows.

import type { PlexdHook } from "../../core/types.ts";
import type { PlexdRollout } from "../../fleet/rollout/types.ts";
import type { RunClient } from "./client.ts";
import { containerExitCode } from "./exit-code.ts";
import type { Row } from "./table.ts";

export class RolloutDeleted extends Error {
  override name = "RolloutDeleted";
}

/** What the watches have shown so far: the rollout, and its hooks by node. */
export interface RolloutView {
  rollout?: PlexdRollout;
  hooks: Map<string, PlexdHook>;
}

/** After the rollout ended, its hooks' watch gets this long to show the hooks as the rollout counted them. */
const CATCH_UP_MS = 2_000;

/** The hooks in the view have ended as the rollout's status counts them. */
function caughtUp(view: RolloutView): boolean {
  const phases = [...view.hooks.values()].map((h) => h.status?.phase);
  const status = view.rollout?.status ?? {};
  return (
    phases.filter((p) => p === "Succeeded").length >= (status.succeeded ?? 0) &&
    phases.filter((p) => p === "Failed").length >= (status.failed ?? 0)
  );
}

const rolloutEnded = (rollout: PlexdRollout | undefined): boolean =>
  rollout?.status?.phase === "Succeeded" || rollout?.status?.phase === "Failed";

/**
 * Calls `onChange` with the view at each change. Resolves with the ended rollout, or with undefined
 * when `signal` aborts first; rejects with RolloutDeleted when the rollout goes away, or when a watch fails.
 */
export async function followRollout(
  client: Pick<RunClient, "watchRollout" | "watchRolloutHooks">,
  namespace: string,
  name: string,
  signal: AbortSignal,
  onChange: (view: RolloutView) => void,
): Promise<PlexdRollout | undefined> {
  const own = new AbortController();
  const stop = (): void => own.abort(signal.reason);
  signal.addEventListener("abort", stop, { once: true });
  const view: RolloutView = { hooks: new Map() };
  const done = Promise.withResolvers<PlexdRollout | undefined>();
  own.signal.addEventListener("abort", () => done.resolve(undefined), { once: true });
  try {
    const [rollouts, hooks] = await Promise.all([
      client.watchRollout(namespace, name, own.signal),
      client.watchRolloutHooks(namespace, name, own.signal),
    ]);
    // The rollout's last status can come before its hooks' last changes: the end waits for them, a while.
    const finish = (): void => {
      if (rolloutEnded(view.rollout) && caughtUp(view)) done.resolve(view.rollout);
    };
    const pump = async (): Promise<void> => {
      for await (const event of rollouts) {
        if (event.type === "SYNCED") continue;
        if (event.type === "DELETED") throw new RolloutDeleted(`rollout ${name} was deleted before it ended`);
        view.rollout = event.object;
        onChange(view);
        if (rolloutEnded(event.object)) {
          setTimeout(() => done.resolve(view.rollout), CATCH_UP_MS).unref?.();
          finish();
        }
      }
    };
    const pumpHooks = async (): Promise<void> => {
      for await (const event of hooks) {
        if (event.type === "SYNCED" || !event.object.spec?.nodeName) continue;
        if (event.type === "DELETED") view.hooks.delete(event.object.spec.nodeName);
        else view.hooks.set(event.object.spec.nodeName, event.object);
        onChange(view);
        finish();
      }
    };
    pump().catch(done.reject);
    pumpHooks().catch(done.reject);
    return await done.promise;
  } finally {
    signal.removeEventListener("abort", stop);
    own.abort();
  }
}

/** One row per node, in the rollout's order once it has started (else `nodes`). */
export function rolloutRows(view: RolloutView, nodes: readonly string[]): Row[] {
  const order = view.rollout?.status?.nodes ?? nodes;
  const extra = [...view.hooks.keys()].filter((node) => !order.includes(node)).sort();
  const ended = rolloutEnded(view.rollout);
  return [...order, ...extra].map((node) => {
    const hook = view.hooks.get(node);
    const status = hook?.status;
    const row: Row = { node, phase: status?.phase ?? (hook ? "Pending" : ended ? "Skipped" : "Waiting") };
    const started = Date.parse(status?.startedAt ?? "");
    const completed = Date.parse(status?.completedAt ?? "");
    if (!Number.isNaN(started)) row.startedAt = started;
    if (!Number.isNaN(completed)) row.endedAt = completed;
    if (status?.phase === "Succeeded") row.exitCode = 0;
    else if (status?.phase === "Failed") row.exitCode = containerExitCode(status);
    return row;
  });
}
