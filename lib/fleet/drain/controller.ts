// DrainController: the fleet controller's drain duty. Informers on hooks and Nodes; a work queue keyed by node.

import type { Logger } from "pino";
import type { RetryConfig } from "../../controller/config.ts";
import { EventRecorder } from "../../controller/events.ts";
import { Informer, waitForCacheSync } from "../../controller/informer.ts";
import { WorkQueue } from "../../controller/work-queue.ts";
import type { KubeClient } from "../../kube/client.ts";
import { errorText } from "../../kube/errors.ts";
import type { Metrics } from "../../observe/metrics.ts";
import type { Duty } from "../fleet.ts";
import { keepRunning } from "../keep.ts";
import { DrainCache } from "./cache.ts";
import { DrainSteps } from "./steps.ts";

export interface DrainConfig {
  /** Nodes handled at once. */
  workers: number;
  /** Every node with a drain is looked at again this often, whatever the watches said. */
  resyncPeriodMs: number;
  retry: RetryConfig;
}

export function defaultDrainConfig(): DrainConfig {
  return { workers: 4, resyncPeriodMs: 60_000, retry: { baseMs: 500, maxMs: 30_000 } };
}

export interface DrainOptions {
  client: KubeClient;
  /** The hooks' namespace. */
  namespace: string;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  config: DrainConfig;
  /** Whether a drain may begin on a node: it and its agent are ready (the fleet controller knows). Default: always. */
  canStart?: (node: string) => boolean;
}

export class DrainController implements Duty {
  readonly name = "drains";

  constructor(private readonly options: DrainOptions) {}

  /** Runs the duty until `signal` aborts; a watch that cannot be opened is retried with backoff. */
  run(signal: AbortSignal): Promise<void> {
    const { logger, config } = this.options;
    return keepRunning(this.name, () => this.serve(signal), signal, config.retry, logger);
  }

  private async serve(signal: AbortSignal): Promise<void> {
    const { client, namespace, logger, metrics, now, config } = this.options;
    const cache = new DrainCache();
    const queue = new WorkQueue({ workers: config.workers, retry: config.retry });
    const events = new EventRecorder(client, "plexd-hook-fleet", logger, now);
    const canStart = this.options.canStart ?? (() => true);
    const steps = new DrainSteps({ client, cache, events, namespace, canStart, logger, metrics, now });
    const [hookWatch, nodeWatch] = await Promise.all([
      client.watchHooks({ namespace, signal }),
      client.watchNodes({ namespace: "", signal }),
    ]);
    // The queue is keyed by node: a hook change enqueues the nodes whose drains it may change.
    const informers = [
      new Informer({
        resource: "plexdhooks",
        listWatch: hookWatch,
        metrics,
        store: (event) => cache.storeHook(event),
        handler: (nodes) => {
          for (const node of nodes) queue.add(node);
        },
      }),
      new Informer({
        resource: "nodes",
        listWatch: nodeWatch,
        metrics,
        store: (event) => cache.storeNode(event),
        handler: (changed, event) => {
          const name = event.object.metadata?.name ?? "";
          if (changed && cache.concerns(name, namespace)) queue.add(name);
        },
      }),
    ];
    const background = informers.map((informer) => informer.run());
    await waitForCacheSync(signal, informers);
    const resync = (): void => {
      for (const node of cache.nodesToLook(namespace)) queue.add(node);
    };
    resync();
    logger.info({ nodes: cache.nodesToLook(namespace).size }, "drain duty started: caches synced");
    const timer = setInterval(resync, config.resyncPeriodMs);
    try {
      await queue.run(async (node) => {
        try {
          return await steps.reconcile(node);
        } catch (err) {
          logger.debug({ node, error: errorText(err), attempt: queue.attempts(node) + 1 }, "drain reconcile failed, retrying");
          throw err;
        }
      }, signal);
    } finally {
      clearInterval(timer);
      await Promise.allSettled(background);
    }
  }
}
