// Follows one hook through the watch API until it is Succeeded or Failed.

import { isTerminal } from "../../core/status.ts";
import type { PlexdHook } from "../../core/types.ts";
import type { RunClient } from "./client.ts";

export class HookDeleted extends Error {
  override name = "HookDeleted";
}

/**
 * Yields the hook each time it changes, the last time in a terminal phase. Throws HookDeleted when
 * someone deletes it first; returns early (without a terminal hook) when `signal` aborts.
 */
export async function* followHook(
  client: Pick<RunClient, "watchHook">,
  namespace: string,
  name: string,
  signal: AbortSignal,
): AsyncGenerator<PlexdHook> {
  const own = new AbortController();
  const stop = (): void => own.abort(signal.reason);
  signal.addEventListener("abort", stop, { once: true });
  try {
    const events = await client.watchHook(namespace, name, own.signal);
    for await (const event of events) {
      if (event.type === "SYNCED") continue;
      if (event.type === "DELETED") throw new HookDeleted(`hook ${name} was deleted before it finished`);
      yield event.object;
      if (isTerminal(event.object.status?.phase)) return;
    }
  } finally {
    signal.removeEventListener("abort", stop);
    own.abort();
  }
}
