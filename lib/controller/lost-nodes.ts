// The Lease holder's third duty: a hook whose node has been NotReady or gone too long is reported Failed (NodeLost).

import type { Logger } from "pino";
import { REASON_NODE_LOST } from "../core/reasons.ts";
import { failedAfterJobStatus, isTerminal } from "../core/status.ts";
import { every } from "../core/time.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient, NodeState } from "../kube/client.ts";
import { errorText, isConflict, isFieldSelectorUnsupported } from "../kube/errors.ts";
import type { LostNodesConfig } from "./config.ts";
import type { StatusWriter } from "./status-writer.ts";
import { Retry } from "./work-queue.ts";

export interface LostNodesOptions {
  client: KubeClient;
  namespace: string;
  config: LostNodesConfig;
  statusWriter: StatusWriter;
  logger: Logger;
  now: () => Date;
}

/** @internal Nodes lost for longer than `afterMs`, each with why; `goneSince` remembers when a node was first missed. */
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
 * A vanished node is forgotten once its hooks are reported, so a fleet that autoscales does not pay for
 * every node it ever had.
 */
export async function reportLostNodes(options: LostNodesOptions, signal: AbortSignal): Promise<void> {
  const { client, config, logger, now } = options;
  const goneSince = new Map<string, number>();
  const lister = new LostHooks(options);
  let known = new Set<string>();
  await every(config.everyMs, signal, async () => {
    let nodes: NodeState[];
    try {
      nodes = await client.listNodes();
    } catch (err) {
      logger.warn({ error: errorText(err) }, "looking for hooks on lost nodes failed: nodes not listed");
      return;
    }
    const lost = lostNodes(nodes, goneSince, known, config.afterMs, now().getTime());
    const hooks = await lister.on([...lost.keys()]);
    for (const [node, why] of lost) {
      const on = hooks.get(node);
      let done = on !== undefined;
      for (const hook of on ?? []) done = (await report(options, hook, why)) && done;
      if (done) goneSince.delete(node);
    }
    known = new Set([...nodes.map((n) => n.name), ...goneSince.keys()]);
  });
}

/** The hooks on lost nodes: one list per node by field selector, or where the API server cannot, one list filtered here. */
class LostHooks {
  private serverSideFilter = true;

  constructor(private readonly options: LostNodesOptions) {}

  /** The hooks whose Jobs run on each of `nodes` (status.nodeName); a node whose list failed is left out. */
  async on(nodes: string[]): Promise<Map<string, PlexdHook[]>> {
    if (nodes.length === 0) return new Map();
    return this.serverSideFilter ? this.bySelector(nodes) : this.inClient(nodes);
  }

  private async bySelector(nodes: string[]): Promise<Map<string, PlexdHook[]>> {
    const { client, namespace, logger } = this.options;
    const found = new Map<string, PlexdHook[]>();
    for (const node of nodes) {
      try {
        found.set(node, await client.listHooks(namespace, `status.nodeName=${node}`));
      } catch (err) {
        if (isFieldSelectorUnsupported(err)) {
          logger.warn({ error: errorText(err) }, "API server cannot select PlexdHooks by field; filtering in the client");
          this.serverSideFilter = false;
          return this.inClient(nodes);
        }
        logger.warn({ node, error: errorText(err) }, "looking for hooks on a lost node failed");
      }
    }
    return found;
  }

  private async inClient(nodes: string[]): Promise<Map<string, PlexdHook[]>> {
    const { client, namespace, logger } = this.options;
    const found = new Map(nodes.map((node): [string, PlexdHook[]] => [node, []]));
    try {
      for (const hook of await client.listHooks(namespace)) found.get(hook.status?.nodeName ?? "")?.push(hook);
      return found;
    } catch (err) {
      logger.warn({ error: errorText(err) }, "looking for hooks on lost nodes failed");
      return new Map();
    }
  }
}

/**
 * Reports one hook NodeLost, then lets its Job go: the agent that would have removed the Job's finalizer
 * died with the node. Returns false when that failed and should be tried again next pass.
 */
async function report(options: LostNodesOptions, hook: PlexdHook, why: string): Promise<boolean> {
  // A hook no controller ever took is the unclaimed report's; a deleted one's Job goes with it.
  if (!hook.status?.jobName || hook.metadata.deletionTimestamp) return true;
  try {
    if (!isTerminal(hook.status.phase)) {
      const message = `The hook's outcome is unknown: ${why}, and its controller with it. Job ${hook.status.jobName} may still run if the node comes back; create a new PlexdHook to run the task again`;
      await options.statusWriter.write(hook, failedAfterJobStatus(hook, REASON_NODE_LOST, message, options.now()));
      // The status writer records the Warning Event of the change to Failed, with this message.
      options.logger.warn({ hook: hook.metadata.name, node: hook.status.nodeName }, "hook's node lost, reported Failed");
    }
    const job = await options.client.getJob(hook.metadata.namespace, hook.status.jobName);
    if (job) await options.client.releaseJob(job);
    return true;
  } catch (err) {
    // A conflict: the hook changed meanwhile; the next pass reads it again.
    if (err instanceof Retry && isConflict(err.cause)) return false;
    options.logger.warn({ hook: hook.metadata.name, error: errorText(err) }, "reporting a hook on a lost node failed");
    return false;
  }
}
