// Deleting a run's hooks (--rm, or a yes after Ctrl-C): each failure said on stderr, none thrown.

import { isNotFound } from "../../kube/errors.ts";
import { type CommandContext, describeFailure } from "./context.ts";

/** Deletes `names`; says each one that could not be deleted and returns whether all are gone. */
export async function deleteHooks(ctx: CommandContext, namespace: string, names: string[]): Promise<boolean> {
  const results = await Promise.allSettled(names.map((name) => ctx.client.deleteHook(namespace, name)));
  let gone = true;
  results.forEach((result, i) => {
    // Someone deleted it first: it is gone all the same.
    if (result.status === "fulfilled" || isNotFound(result.reason)) return;
    gone = false;
    const doing = `cannot delete PlexdHook ${names[i]} in namespace ${namespace}`;
    ctx.err.write(`error: ${describeFailure(result.reason, ctx.server, doing)}\n`);
  });
  return gone;
}
