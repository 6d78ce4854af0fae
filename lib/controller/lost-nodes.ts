// The Lease holder's third duty: a hook whose node has been NotReady or gone too long is reported Failed (NodeLost).

import type { Logger } from "pino";
import { CONDITION_SUCCEEDED, setCondition } from "../core/conditions.ts";
import { REASON_NODE_LOST } from "../core/reasons.ts";
import { failedStatus, isTerminal } from "../core/status.ts";
import { sleep } from "../core/time.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient, NodeState } from "../kube/client.ts";
import { errorText, isConflict } from "../kube/errors.ts";
import type { LostNodesConfig } from "./config.ts";
import type { StatusWriter } from "./status-writer.ts";
import { Retry } from "./work-queue.ts";

export interface LostNodesOptions {
  client: KubeClient;
  namespace: string;
  config: LostNodesConfig;
  status: StatusWriter;
  logger: Logger;
  now: () => Date;
}

/** Nodes lost for longer than `afterMs`, each with why; `goneSince` remembers when a node was first missed. */
export function lostNodes(
  nodes: NodeState[],
  goneSince: Map<string, number>,
  known: ReadonlySet<string>,
  afterMs: number,
  now: number,
): Map<string, string> {
  const lost = new Map<string, string>();
  const present = new Set(nodes.map((n) => n.name));
  for (const name of known) if (!present.has(name) && !goneSince.has(name)) goneSince.set(name, now);
  for (const name of goneSince.keys()) if (present.has(name)) goneSince.delete(name);
  for (const [name, since] of goneSince) {
    if (now - since >= afterMs) lost.set(name, `node ${name} no longer exists`);
  }
  for (const node of nodes) {
    const since = node.since ? Date.parse(node.since) : Number.NaN;
    if (node.ready || !(now - since >= afterMs)) continue;
    lost.set(node.name, `node ${node.name} has been NotReady since ${node.since}`);
  }
  return lost;
}

/**
 * Looks every `config.everyMs` until `signal` aborts. Only the Lease holder runs this: the controller
 * that would follow such a hook died with its node. Nodes deleted before this process held the Lease
 * are not noticed as gone (it never saw them); their hooks' Jobs end Failed once pod GC removes the pods.
 */
export async function reportLostNodes(options: LostNodesOptions, signal: AbortSignal): Promise<void> {
  const { client, namespace, config, logger, now } = options;
  const goneSince = new Map<string, number>();
  let known = new Set<string>();
  while (!signal.aborted) {
    await sleep(config.everyMs, signal);
    if (signal.aborted) return;
    try {
      const nodes = await client.listNodes();
      const lost = lostNodes(nodes, goneSince, known, config.afterMs, now().getTime());
      known = new Set([...nodes.map((n) => n.name), ...goneSince.keys()]);
      for (const [node, why] of lost) {
        const hooks = [
          ...(await client.listHooks(namespace, `spec.nodeName=${node}`)),
          ...(await client.listHooks(namespace, `spec.nodeName=,status.nodeName=${node}`)),
        ];
        for (const hook of hooks) await report(options, hook, why);
      }
    } catch (err) {
      logger.warn({ error: errorText(err) }, "looking for hooks on lost nodes failed");
    }
  }
}

async function report(options: LostNodesOptions, hook: PlexdHook, why: string): Promise<void> {
  // A hook no controller ever took is the unclaimed report's; a finished one needs nothing.
  if (!hook.status?.jobName || isTerminal(hook.status.phase) || hook.metadata.deletionTimestamp) return;
  const message = `The hook's outcome is unknown: ${why}, and its controller with it. Job ${hook.status.jobName} may still run if the node comes back; create a new PlexdHook to run the task again`;
  const now = options.now();
  // Failed, but the Job was created: only the Succeeded condition says why it ended.
  const status = { ...failedStatus(hook, REASON_NODE_LOST, message, now), conditions: hook.status.conditions };
  status.conditions = setCondition(
    status.conditions,
    { type: CONDITION_SUCCEEDED, status: "False", reason: REASON_NODE_LOST, message },
    now,
  );
  try {
    await options.status.write(hook, status);
  } catch (err) {
    if (err instanceof Retry && isConflict(err.cause)) return;
    throw err;
  }
  // The status writer records the Warning Event of the change to Failed, with this message.
  options.logger.warn({ hook: hook.metadata.name, node: hook.status.nodeName }, "hook's node lost, reported Failed");
}
