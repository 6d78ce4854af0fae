// The list-watches behind the controller's informers: its hooks (an agent's: two disjoint sources by field selector), its Jobs.

import type { Logger } from "pino";
import { LABEL_MANAGED_BY, LABEL_NODE, MANAGED_BY_VALUE } from "../constants.ts";
import { nodeLabelValue } from "../core/names.ts";
import type { Job, PlexdHook } from "../core/types.ts";
import type { KubeClient, WatchEvent } from "../kube/client.ts";
import { ApiError, errorText } from "../kube/errors.ts";

/** Hook sources, each a map of its own in the HookCache: hooks aimed at the node, and those assigned to it. */
const SOURCE_OWN = "own";
const SOURCE_ASSIGNED = "assigned";

type HookStream = AsyncIterable<WatchEvent<PlexdHook>>;

export interface Watches {
  /** The first one is the primary: when it ends, the controller stops. */
  hooks: Array<[source: string, stream: HookStream]>;
  jobs: AsyncIterable<WatchEvent<Job>>;
  /** False when the API server cannot select hooks by field: every hook arrives and ownership filters. */
  serverSideFilter: boolean;
}

interface Scope {
  namespace: string;
  nodeName: string;
  allNodes: boolean;
}

function isFieldSelectorUnsupported(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 400 && /field label/i.test(err.message);
}

/** The hook sources with their field selectors, and the Job label selector. */
function selectors(scope: Scope, serverSideFilter: boolean): { hooks: Array<[string, string | undefined]>; jobs: string } {
  const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
  const jobs = scope.allNodes ? managed : `${managed},${LABEL_NODE}=${nodeLabelValue(scope.nodeName)}`;
  if (scope.allNodes || !serverSideFilter) return { hooks: [[SOURCE_OWN, undefined]], jobs };
  // Hooks aimed at this node, and untargeted ones the fleet controller assigned to it.
  return {
    hooks: [
      [SOURCE_OWN, `spec.nodeName=${scope.nodeName}`],
      [SOURCE_ASSIGNED, `spec.nodeName=,status.nodeName=${scope.nodeName}`],
    ],
    jobs,
  };
}

/** Opens every watch; rejects when one cannot be set up (an API server without field selectors is not an error). */
export async function openWatches(client: KubeClient, scope: Scope, logger: Logger, signal: AbortSignal): Promise<Watches> {
  const { namespace } = scope;
  const open = (serverSideFilter: boolean): Promise<Array<[string, HookStream]>> =>
    Promise.all(
      selectors(scope, serverSideFilter).hooks.map(
        async ([source, fieldSelector]): Promise<[string, HookStream]> => [
          source,
          await client.watchHooks({ namespace, fieldSelector, signal }),
        ],
      ),
    );
  let serverSideFilter = true;
  let hooks: Array<[string, HookStream]>;
  try {
    hooks = await open(serverSideFilter);
  } catch (err) {
    if (!isFieldSelectorUnsupported(err)) throw err;
    logger.warn({ error: errorText(err) }, "API server cannot select PlexdHooks by field; filtering in the client");
    serverSideFilter = false;
    hooks = await open(serverSideFilter);
  }
  const jobs = await client.watchJobs({ namespace, labelSelector: selectors(scope, serverSideFilter).jobs, signal });
  return { hooks, jobs, serverSideFilter };
}
