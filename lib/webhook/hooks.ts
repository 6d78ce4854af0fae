// The three hooks by path: parse the request's shape, then answer from the pure modules.

import { customize } from "./customize.ts";
import { parseCustomizeRequest, parseSyncRequest } from "./parse.ts";
import { finalize, sync } from "./sync.ts";
import type { CustomizeResponse, HookKind, SyncResponse } from "./wire.ts";

export type HookHandler = (body: unknown, now: Date) => CustomizeResponse | SyncResponse;

/** A sync request that says finalizing is answered as finalize, for a controller that points both hooks at /sync. */
export const HOOKS: Record<HookKind, HookHandler> = {
  customize: (body) => customize(parseCustomizeRequest(body)),
  sync: (body, now) => {
    const request = parseSyncRequest(body);
    return request.finalizing ? finalize(request, now) : sync(request, now);
  },
  finalize: (body, now) => finalize(parseSyncRequest(body), now),
};
