// PlexdHookController: feeds the watches into the caches, enqueues keys, and runs reconcile on a bounded work queue.

import type { Logger } from "pino";
import { keyOf } from "../core/names.ts";
import type { Self } from "../core/ownership.ts";
import type { Job, PlexdHook } from "../core/types.ts";
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
import { JobCache } from "./job-cache.ts";
import { LOG_STARTED } from "./messages.ts";
import { pumpWatch } from "./pump.ts";
import { Reconciler } from "./reconcile.ts";
import { StatusWriter } from "./status-writer.ts";
import { type HookStream, openWatches, type Watches } from "./watches.ts";
import { Retry, WorkQueue } from "./work-queue.ts";

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

export class PlexdHookController {
  readonly config: ControllerConfig;
  private readonly client: KubeClient;
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly hooks = new HookCache();
  private readonly jobs = new JobCache();
  private lease: ClusterLease | undefined;
  private readonly duties: (() => Duty[]) | undefined;
  private internal: AbortController | undefined;
  private synced = false;

  constructor({ client, config, metrics, logger, duties }: ControllerOptions) {
    this.client = client;
    this.duties = duties;
    this.config = config;
    this.metrics = metrics;
    this.logger = logger;
    metrics.countHooksWith(() => this.hooks.countPhases());
  }

  /** True once the first full list of hooks and Jobs has arrived (for /readyz). */
  get ready(): boolean {
    return this.synced;
  }

  private self(): Self {
    const { nodeName, allNodes } = this.config;
    return { role: allNodes ? "cluster" : "agent", nodeName, leader: this.lease?.leader ?? false };
  }

  /**
   * Runs until stopped. Rejects with the abort reason when `signal` aborts, resolves when the client's
   * hook stream ends or stop() is called, and rejects with a `kubernetes: plexdhook: watch:` error when
   * the first watch cannot be set up.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.internal) throw new Error("PlexdHookController.start: already started");
    const { client, config, metrics, logger, hooks, jobs } = this;
    const internal = new AbortController();
    this.internal = internal;
    const stop = signal ? AbortSignal.any([signal, internal.signal]) : internal.signal;
    logger.info({ namespace: config.namespace, node: config.nodeName }, LOG_STARTED);
    let watches: Watches;
    try {
      watches = await openWatches(client, config, logger, stop);
    } catch (err) {
      this.internal = undefined;
      if (stop.aborted) throw signal?.aborted ? signal.reason : err;
      throw new Error(`${WATCH_ERROR_PREFIX} ${errorText(err)}`, { cause: err });
    }

    const queue = new WorkQueue({ workers: config.workers, retry: config.retry });
    metrics.queueWith(() => queue);
    const enqueue = (key: string): void => queue.add(key);
    // The watch events of our own writes: the reconcile that wrote them already acted on that state.
    const echoes = { hooks: new Echoes(), jobs: new Echoes() };
    const unlessEcho = (seen: Echoes, object: Job | PlexdHook, key: string | undefined): void => {
      if (key) seen.unlessEcho(keyOf(object), object.metadata?.resourceVersion, () => enqueue(key));
    };
    const events = new EventRecorder(client, config.nodeName || "cluster", logger, config.now);
    const status = new StatusWriter({ client, hooks, events, echoes: echoes.hooks, logger });
    const diagnostics = new Diagnostics(client, config.now, { byNode: !config.allNodes, logger });
    const reconciler = new Reconciler({
      ...{ client, hooks, jobs, echoes: echoes.jobs, status, diagnostics, events, metrics, logger },
      ...{ self: () => this.self(), config: config.reconcile, now: config.now },
    });
    // Workers start once the hook and Job caches hold full lists: before that, a missing Job may only be unseen.
    const cachesSynced = Promise.withResolvers<void>();
    stop.addEventListener("abort", () => cachesSynced.resolve(), { once: true });
    const work = cachesSynced.promise.then(() =>
      queue.run(async (key) => {
        try {
          const outcome = await reconciler.reconcile(key);
          metrics.reconciles.inc({ result: outcome ? "requeue" : "success" });
          return outcome;
        } catch (err) {
          metrics.reconciles.inc({ result: "error" });
          // Conflicts are routine (our cache was behind); anything else, a 403 say, must be seen.
          const line = { hook: key, error: errorText(err), attempt: queue.attempts(key) + 1 };
          logger[err instanceof Retry ? "debug" : "warn"](line, "reconcile failed, retrying");
          throw err;
        }
      }, stop),
    );
    const resync = setInterval(() => {
      jobs.prune(config.resyncPeriodMs);
      for (const key of hooks.keys()) enqueue(key);
    }, config.resyncPeriodMs);
    // Ready once every watch has delivered its first full list.
    const unsynced = new Set(["jobs", ...watches.hooks.map(([source]) => source)]);
    const synced = (source: string) => (): void => {
      if (unsynced.delete(source) && unsynced.size === 0) {
        logger.debug({}, "caches synced");
        cachesSynced.resolve();
      }
      this.synced ||= unsynced.size === 0;
    };
    const feed = (source: string, stream: HookStream, onSynced = synced(source)): Promise<void> =>
      pumpWatch(stream, "plexdhooks", this.metrics, onSynced, (event) =>
        unlessEcho(echoes.hooks, event.object, hooks.apply(source, event)),
      );
    const [[source, primary], ...others] = watches.hooks as [[string, HookStream], ...Array<[string, HookStream]>];
    const background: Promise<unknown>[] = [
      pumpWatch(watches.jobs, "jobs", this.metrics, synced("jobs"), (event) =>
        unlessEcho(echoes.jobs, event.object, jobs.apply(event)),
      ),
      ...others.map(([other, stream]) => feed(other, stream)),
    ];
    // Cluster mode's Lease outlives the work queue: it is given up only once reconciles in flight have finished.
    const leaseStop = new AbortController();
    if (config.allNodes) {
      const { namespace, lease, lostNodes, now } = config;
      this.lease = new ClusterLease({ client, namespace, lease, lostNodes, hooks, enqueue, status, metrics, logger, now });
      background.push(this.lease.run(leaseStop.signal));
      if (this.duties) {
        const { fleetLease, retry } = config;
        const duties = new DutyLease({ client, lease: fleetLease, duties: this.duties, retry, logger, now });
        background.push(duties.run(leaseStop.signal));
      }
    }
    try {
      await feed(source, primary);
    } finally {
      clearInterval(resync);
      internal.abort(new Error("plexdhook controller stopping"));
      await work;
      leaseStop.abort();
      await Promise.allSettled(background);
      this.internal = undefined;
      this.synced = false;
    }
    if (signal?.aborted) throw signal.reason;
  }

  /** Makes start() return: stops taking work, lets reconciles in flight finish. */
  stop(): void {
    this.internal?.abort(new Error("plexdhook controller stopped"));
  }
}
