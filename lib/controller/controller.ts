// PlexdHookController: informers on the hooks and Jobs feed their caches and enqueue hook keys; workers reconcile them.

import type { Logger } from "pino";
import type { Self } from "../core/ownership.ts";
import { DutyLease } from "../fleet/duty-lease.ts";
import type { Duty } from "../fleet/fleet.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import { ClusterLease } from "./cluster-lease.ts";
import type { ControllerConfig } from "./config.ts";
import { Diagnostics } from "./diagnose.ts";
import { Echoes } from "./echoes.ts";
import { EventRecorder } from "./events.ts";
import { HookCache } from "./hook-cache.ts";
import { allSynced, enqueueingInformer, type Informer, waitForCacheSync } from "./informer.ts";
import { JobCache } from "./job-cache.ts";
import { LOG_STARTED } from "./messages.ts";
import { Reconciler } from "./reconcile.ts";
import { StatusWriter } from "./status-writer.ts";
import { openWatches, type Watches } from "./watches.ts";
import { Retry, WorkQueue } from "./work-queue.ts";
import { runWorkers } from "./workers.ts";

const WATCH_ERROR_PREFIX = "kubernetes: plexdhook: watch:";

export interface ControllerOptions {
  client: KubeClient;
  /** Built once by the caller, every default applied (see defaultConfig). */
  config: ControllerConfig;
  metrics: Metrics;
  logger: Logger;
  /** Cluster mode: the cluster-wide duties (drains, rollouts), run while holding the fleet's Lease. */
  duties?: () => Duty[];
}

/** The watch events of our own writes: the reconcile that wrote them already acted on that state. */
interface RunEchoes {
  hooks: Echoes;
  jobs: Echoes;
}

export class PlexdHookController {
  /** The informers' caches, kept across runs; the reconciler reads them through their listers. */
  private readonly hooks = new HookCache();
  private readonly jobs = new JobCache();
  /** The informers of the run in progress. */
  private informers: Informer[] = [];
  private lease: ClusterLease | undefined;
  private internal: AbortController | undefined;

  constructor(private readonly options: ControllerOptions) {
    options.metrics.countHooksWith(() => this.hooks.countPhases());
  }

  /** True once every informer has delivered its first full list (for /readyz). */
  get ready(): boolean {
    return allSynced(this.informers);
  }

  private self(): Self {
    const { nodeName, allNodes } = this.options.config;
    return { role: allNodes ? "cluster" : "agent", nodeName, leader: this.lease?.leader ?? false };
  }

  /**
   * Runs until stopped. Rejects with the abort reason when `signal` aborts, resolves when the client's
   * hook stream ends or stop() is called, and rejects with a `kubernetes: plexdhook: watch:` error when
   * the first watch cannot be set up.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.internal) throw new Error("PlexdHookController.start: already started");
    const { client, config, metrics, logger } = this.options;
    const internal = new AbortController();
    this.internal = internal;
    const stop = signal ? AbortSignal.any([signal, internal.signal]) : internal.signal;
    logger.info({ namespace: config.namespace, node: config.nodeName }, LOG_STARTED);
    const watches = await this.openWatches(stop, signal);
    const queue = new WorkQueue({ workers: config.workers, retry: config.retry });
    metrics.queueWith(() => queue);
    const echoes: RunEchoes = { hooks: new Echoes(), jobs: new Echoes() };
    const events = new EventRecorder(client, config.nodeName || "cluster", logger, config.now);
    const statusWriter = new StatusWriter({ client, hooks: this.hooks, events, echoes: echoes.hooks, logger });
    const reconciler = this.newReconciler(statusWriter, events, echoes.jobs);
    const [primary, ...others] = this.newInformers(watches, queue, echoes);
    this.informers = [primary, ...others];
    const work = this.startWorkers(queue, reconciler, stop);
    const resync = setInterval(() => this.resync(queue), config.resyncPeriodMs);
    const background: Promise<unknown>[] = others.map((informer) => informer.run());
    // Cluster mode's Leases outlive the work queue: they are given up only once reconciles in flight have finished.
    const leaseStop = new AbortController();
    if (config.allNodes) background.push(...this.runLeases(queue, statusWriter, leaseStop.signal));
    try {
      await primary.run();
    } finally {
      clearInterval(resync);
      internal.abort(new Error("plexdhook controller stopping"));
      await work;
      leaseStop.abort();
      await Promise.allSettled(background);
      this.internal = undefined;
      this.informers = [];
    }
    if (signal?.aborted) throw signal.reason;
  }

  /** Makes start() return: stops taking work, lets reconciles in flight finish. */
  stop(): void {
    this.internal?.abort(new Error("plexdhook controller stopped"));
  }

  private async openWatches(stop: AbortSignal, signal: AbortSignal | undefined): Promise<Watches> {
    try {
      return await openWatches(this.options.client, this.options.config, this.options.logger, stop);
    } catch (err) {
      this.internal = undefined;
      if (stop.aborted) throw signal?.aborted ? signal.reason : err;
      throw new Error(`${WATCH_ERROR_PREFIX} ${errorText(err)}`, { cause: err });
    }
  }

  private newReconciler(statusWriter: StatusWriter, events: EventRecorder, jobEchoes: Echoes): Reconciler {
    const { client, config, metrics, logger } = this.options;
    return new Reconciler({
      client,
      hooks: this.hooks,
      jobs: this.jobs,
      echoes: jobEchoes,
      statusWriter,
      diagnostics: new Diagnostics(client, config.now, { byNode: !config.allNodes, logger }),
      self: () => this.self(),
      events,
      metrics,
      logger,
      config: config.reconcile,
      now: config.now,
    });
  }

  /** One informer per watch. The primary hook informer's end ends the run; the Jobs' is started first. */
  private newInformers(watches: Watches, queue: WorkQueue, echoes: RunEchoes): [primary: Informer, ...others: Informer[]] {
    const { hooks, jobs } = this;
    const { metrics } = this.options;
    const toHooks = { queue, echoes: echoes.hooks, metrics };
    const [primary, ...otherHooks] = watches.hooks.map(([source, stream]) =>
      enqueueingInformer("plexdhooks", stream, (event) => hooks.storeEvent(source, event), toHooks),
    ) as [Informer, ...Informer[]];
    const toJobs = { queue, echoes: echoes.jobs, metrics };
    return [primary, enqueueingInformer("jobs", watches.jobs, (event) => jobs.storeEvent(event), toJobs), ...otherHooks];
  }

  /** Workers start once the caches hold full lists: before that, a missing Job may only be unseen. */
  private async startWorkers(queue: WorkQueue, reconciler: Reconciler, stop: AbortSignal): Promise<void> {
    const { metrics, logger } = this.options;
    await waitForCacheSync(stop, this.informers);
    if (allSynced(this.informers)) logger.debug({}, "caches synced");
    // Conflicts are routine (our cache was behind); anything else, a 403 say, must be seen.
    const routine = (err: unknown): boolean => err instanceof Retry;
    await runWorkers(queue, reconciler, { metrics, logger, failed: "reconcile failed, retrying", routine }, stop);
  }

  /** Every hook is looked at again now and then, whatever the watches said; deleted Jobs kept that long are forgotten. */
  private resync(queue: WorkQueue): void {
    this.jobs.pruneDeleted(this.options.config.resyncPeriodMs);
    for (const key of this.hooks.keys()) queue.add(key);
  }

  /** Cluster mode: the Lease of several --all-nodes replicas, and the fleet's Lease for drains and rollouts. */
  private runLeases(queue: WorkQueue, statusWriter: StatusWriter, signal: AbortSignal): Promise<void>[] {
    const { client, config, metrics, logger, duties } = this.options;
    const { namespace, lease, lostNodes, now, retry } = config;
    const enqueue = (key: string): void => queue.add(key);
    const hooks = this.hooks;
    this.lease = new ClusterLease({ client, namespace, lease, lostNodes, hooks, enqueue, statusWriter, metrics, logger, now });
    const running = [this.lease.run(signal)];
    if (duties) running.push(new DutyLease({ client, lease: config.fleetLease, duties, retry, logger, now }).run(signal));
    return running;
  }
}
