// FleetHookController: the fleet controller's hook duty. Informers on hooks, Nodes and agent pods; a work queue of hook keys.

import type { Logger } from "pino";
import { Diagnostics } from "../controller/diagnose.ts";
import { Echoes } from "../controller/echoes.ts";
import { EventRecorder } from "../controller/events.ts";
import { HookCache } from "../controller/hook-cache.ts";
import { allSynced, enqueueingInformer, Informer, waitForCacheSync } from "../controller/informer.ts";
import { JobCache } from "../controller/job-cache.ts";
import { reportLostNodes } from "../controller/lost-nodes.ts";
import { Reconciler } from "../controller/reconcile.ts";
import { StatusWriter } from "../controller/status-writer.ts";
import { reportUnclaimed } from "../controller/unclaimed.ts";
import { WorkQueue } from "../controller/work-queue.ts";
import { runWorkers } from "../controller/workers.ts";
import type { Self } from "../core/ownership.ts";
import type { KubeClient, ObjectChange, WatchEvent } from "../kube/client.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { FleetConfig } from "./config.ts";
import { DrainController } from "./drain/controller.ts";
import type { Duty } from "./fleet.ts";
import { FleetView } from "./fleet-view.ts";
import { FleetReconciler } from "./hook-reconciler.ts";

export interface FleetHookOptions {
  client: KubeClient;
  config: FleetConfig;
  metrics: Metrics;
  logger: Logger;
}

/** The hook cache's one source: the fleet controller watches every hook of its namespace. */
const SOURCE_ALL = "all";
/** Who the Job reconciler acts for here: the fleet, leading (it runs only while the Lease is held). */
const FLEET_SELF: Self = { role: "fleet", nodeName: "", leader: true };

/** Made anew each term of leadership: its caches start from full lists. */
export class FleetHookController implements Duty {
  readonly name = "hooks";
  private readonly hooks = new HookCache();
  private readonly view: FleetView;
  private readonly queue: WorkQueue;
  /** The watch events of our own status writes: the reconcile that wrote them already acted on that state. */
  private readonly echoes = new Echoes();
  private readonly events: EventRecorder;
  private readonly statusWriter: StatusWriter;
  private informers: Informer[] = [];

  constructor(private readonly options: FleetHookOptions) {
    const { client, config, logger } = options;
    this.view = new FleetView(this.hooks, config.agentSelector === "");
    this.queue = new WorkQueue({ workers: config.workers, retry: config.retry });
    this.events = new EventRecorder(client, "plexd-hook-fleet", logger, config.now);
    this.statusWriter = new StatusWriter({ client, hooks: this.hooks, events: this.events, echoes: this.echoes, logger });
  }

  /** Runs until `signal` aborts; rejects when a watch cannot be set up. */
  async run(signal: AbortSignal): Promise<void> {
    const { client, config, metrics, logger } = this.options;
    const { namespace, now } = config;
    metrics.queueWith(() => this.queue);
    metrics.countHooksWith(() => this.hooks.countPhases());
    this.informers = await this.newInformers(signal);
    const background = this.informers.map((informer) => informer.run());
    await waitForCacheSync(signal, this.informers);
    logger.info({ hooks: this.hooks.keys().size }, "fleet controller leading: caches synced");
    // Started once the view of nodes and agents is whole: a drain begins only where the hook can then run.
    const canStart = (node: string): boolean => this.view.canRun(node);
    background.push(new DrainController({ client, namespace, logger, metrics, now, config: config.drain, canStart }).run(signal));
    this.resync();
    const resync = setInterval(() => this.resync(), config.resyncPeriodMs);
    this.startReports(signal);
    const workers = { metrics, logger, failed: "fleet reconcile failed, retrying", routine: () => true };
    try {
      await runWorkers(this.queue, this.newReconciler(), workers, signal);
    } finally {
      clearInterval(resync);
      await Promise.allSettled(background);
    }
  }

  /**
   * Opens the watches. A hook change enqueues its key (unless it is our own write's echo); a Node or agent
   * change enqueues the hooks waiting for a node.
   */
  private async newInformers(signal: AbortSignal): Promise<Informer[]> {
    const { client, config, metrics } = this.options;
    const { namespace, agentSelector } = config;
    const [hookWatch, nodeWatch, agentWatch] = await Promise.all([
      client.watchHooks({ namespace, signal }),
      client.watchNodes({ namespace: "", signal }),
      agentSelector ? client.watchPods({ namespace, labelSelector: agentSelector, signal }) : undefined,
    ]);
    const { hooks, queue, echoes } = this;
    const informers = [
      enqueueingInformer("plexdhooks", hookWatch, (event) => hooks.storeEvent(SOURCE_ALL, event), { queue, echoes, metrics }),
      this.nodeInformer("nodes", nodeWatch, (event) => this.view.storeNode(event)),
    ];
    if (agentWatch) informers.push(this.nodeInformer("pods", agentWatch, (event) => this.view.storeAgent(event)));
    return informers;
  }

  /** An informer on Nodes or agent pods: a change to what assignment reads of them enqueues the hooks waiting for a node. */
  private nodeInformer<T>(
    resource: string,
    listWatch: AsyncIterable<WatchEvent<T>>,
    store: (event: ObjectChange<T>) => boolean,
  ): Informer {
    const { metrics } = this.options;
    return new Informer({ resource, listWatch, metrics, store, handler: (changed) => this.enqueueWaitingIf(changed) });
  }

  /** The Lease holder's reports: hooks aimed at a node where no controller runs, and hooks whose node was lost. */
  private startReports(signal: AbortSignal): void {
    const { client, config, metrics, logger } = this.options;
    const { namespace, now } = config;
    const { statusWriter, events } = this;
    const fieldSelector = "status.nodeName=";
    void reportUnclaimed(
      { client, namespace, fieldSelector, config: config.unclaimed, statusWriter, events, logger, now, metrics },
      signal,
    );
    void reportLostNodes({ client, namespace, config: config.lostNodes, statusWriter, logger, now }, signal);
  }

  /** The node agents' reconcile acting as the fleet, under the fleet's own: assignment, refused nodes. */
  private newReconciler(): FleetReconciler {
    const { client, config, metrics, logger } = this.options;
    const { now } = config;
    const { hooks, view, statusWriter, events } = this;
    const jobReconciler = new Reconciler({
      client,
      hooks,
      jobs: new JobCache(),
      echoes: new Echoes(),
      statusWriter,
      diagnostics: new Diagnostics(client, now, { byNode: false, logger }),
      self: () => FLEET_SELF,
      events,
      metrics,
      logger,
      config: config.reconcile,
      now,
    });
    return new FleetReconciler({ client, hooks, view, statusWriter, jobReconciler, metrics, logger, now });
  }

  /** A node or agent that changed can unblock hooks waiting for one: those not yet claimed by an agent. */
  private enqueueWaitingIf(changed: boolean): void {
    if (!changed || !allSynced(this.informers)) return;
    for (const hook of this.hooks.list())
      if (!hook.status?.jobName) this.queue.add(`${hook.metadata.namespace}/${hook.metadata.name}`);
  }

  private resync(): void {
    for (const key of this.hooks.keys()) this.queue.add(key);
  }
}
