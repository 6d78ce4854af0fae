// PlexdHookController: watches hooks and their Jobs, enqueues keys, and runs reconcile on a bounded work queue.

import type { Logger } from "pino";
import { KIND, LABEL_MANAGED_BY, LABEL_NODE, MANAGED_BY_VALUE } from "../constants.ts";
import { nodeLabelValue } from "../core/names.ts";
import type { Self } from "../core/ownership.ts";
import type { Job, Phase, PlexdHook } from "../core/types.ts";
import type { KubeClient, WatchEvent } from "../kube/client.ts";
import { ApiError, errorText } from "../kube/errors.ts";
import { backoffDelay, keyOf, sleep } from "../kube/list-watch.ts";
import { Metrics } from "../observe/metrics.ts";
import { type ControllerConfig, withDefaults } from "./config.ts";
import { Diagnostics } from "./diagnose.ts";
import { EventRecorder } from "./events.ts";
import { HookCache } from "./hook-cache.ts";
import { LeaseElector } from "./leader.ts";
import { LOG_STARTED } from "./messages.ts";
import { Reconciler, Retry } from "./reconcile.ts";
import { reportUnclaimed } from "./unclaimed.ts";
import { WorkQueue } from "./work-queue.ts";

export const WATCH_ERROR_PREFIX = "kubernetes: plexdhook: watch:";

/** The watches that feed the hook cache; in node mode they are disjoint by field selector. */
const SOURCE_OWN = "own";
const SOURCE_BOUND = "bound";
const SOURCE_UNTARGETED = "untargeted";

function isFieldSelectorUnsupported(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 400 && /field label/i.test(err.message);
}

export class PlexdHookController {
  readonly config: ControllerConfig;
  readonly namespace: string;
  readonly nodeName: string;
  readonly metrics: Metrics;
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly hooks = new HookCache();
  private readonly jobs = new Map<string, Job>();
  /** Deleted Jobs as last seen, so a Job removed right after finishing (ttlSecondsAfterFinished: 0) still tells how it ended. */
  private readonly goneJobs = new Map<string, { job: Job; at: number }>();
  private internal: AbortController | undefined;
  private leader = false;
  /** False when the API server cannot filter hooks by field: every hook arrives and ownership filters. */
  private serverSideFilter = true;
  private synced = false;

  constructor(client: KubeClient, config: Partial<ControllerConfig>, namespace: string, nodeName: string, logger: Logger) {
    this.client = client;
    this.config = withDefaults(config, namespace, nodeName);
    this.namespace = namespace;
    this.nodeName = nodeName;
    this.logger = logger;
    this.metrics = new Metrics(() => this.countPhases());
  }

  /** True once the first full list of hooks and Jobs has arrived (for /readyz). */
  get ready(): boolean {
    return this.synced;
  }

  private self(): Self {
    return { nodeName: this.nodeName, allNodes: this.config.allNodes, leader: this.leader };
  }

  private countPhases(): Record<Phase | "None", number> {
    const counts = { None: 0, Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
    for (const hook of this.hooks.values()) counts[hook.status?.phase ?? "None"]++;
    return counts;
  }

  private selectors(): { hooks: Array<[string, string | undefined]>; jobs: string } {
    const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
    const jobs = this.config.allNodes ? managed : `${managed},${LABEL_NODE}=${nodeLabelValue(this.nodeName)}`;
    if (this.config.allNodes || !this.serverSideFilter) return { hooks: [[SOURCE_OWN, undefined]], jobs };
    // Disjoint: hooks aimed at this node, and untargeted hooks whose Job already runs here.
    const hooks: Array<[string, string]> = [
      [SOURCE_OWN, `spec.nodeName=${this.nodeName}`],
      [SOURCE_BOUND, `spec.nodeName=,status.nodeName=${this.nodeName}`],
    ];
    return { hooks, jobs };
  }

  /**
   * Runs until stopped. Rejects with the abort reason when `signal` aborts, resolves when the client's
   * hook stream ends or stop() is called, and rejects with a `kubernetes: plexdhook: watch:` error when
   * the first watch cannot be set up.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.internal) throw new Error("PlexdHookController.start: already started");
    const internal = new AbortController();
    this.internal = internal;
    const stop = signal ? AbortSignal.any([signal, internal.signal]) : internal.signal;
    this.logger.info({ namespace: this.namespace, node: this.nodeName }, LOG_STARTED);

    const queue = new WorkQueue({
      workers: this.config.workers,
      retryBaseMs: this.config.retryBaseMs,
      retryMaxMs: this.config.retryMaxMs,
      onDepth: (queued, inFlight) => {
        this.metrics.queueDepth.set(queued);
        this.metrics.inFlight.set(inFlight);
      },
    });
    const events = new EventRecorder(this.client, this.nodeName || "cluster", this.logger, this.config.now);
    const reconciler = new Reconciler({
      client: this.client,
      hooks: this.hooks,
      jobs: this.jobs,
      goneJobs: this.goneJobs,
      diagnostics: new Diagnostics(this.client, this.config.now),
      self: () => this.self(),
      logger: this.logger,
      metrics: this.metrics,
      events,
      now: this.config.now,
      transientRetryWindowMs: this.config.transientRetryWindowMs,
      ownedElsewhereRetryMs: this.config.ownedElsewhereRetryMs,
      ownedElsewhereGiveUpMs: this.config.ownedElsewhereGiveUpMs,
    });

    let streams: Array<[string, AsyncIterable<WatchEvent<PlexdHook>>]>;
    let jobStream: AsyncIterable<WatchEvent<Job>>;
    try {
      [streams, jobStream] = await this.openWatches(stop);
    } catch (err) {
      this.internal = undefined;
      if (stop.aborted) throw signal?.aborted ? signal.reason : err;
      throw new Error(`${WATCH_ERROR_PREFIX} ${errorText(err)}`, { cause: err });
    }

    const pending = new Set(["jobs", ...streams.map(([source]) => source)]);
    const markSynced = (source: string): void => {
      pending.delete(source);
      if (pending.size === 0 && !this.synced) {
        this.synced = true;
        this.logger.debug({}, "caches synced");
      }
    };
    const enqueue = (key: string): void => queue.add(key);
    const work = queue.run(async (key) => {
      try {
        const outcome = await reconciler.reconcile(key);
        this.metrics.reconciles.inc({ result: outcome ? "requeue" : "success" });
        return outcome;
      } catch (err) {
        this.metrics.reconciles.inc({ result: "error" });
        // Conflicts are routine (our cache was behind); anything else, a 403 say, must be seen.
        const routine = err instanceof Retry;
        this.logger[routine ? "debug" : "warn"](
          { hook: key, error: errorText(err), attempt: queue.attempts(key) + 1 },
          "reconcile failed, retrying",
        );
        throw err;
      }
    }, stop);

    const resync = setInterval(() => {
      for (const [key, gone] of this.goneJobs) if (Date.now() - gone.at > this.config.resyncPeriodMs) this.goneJobs.delete(key);
      for (const key of this.hooks.keys()) enqueue(key);
    }, this.config.resyncPeriodMs);

    const background: Promise<unknown>[] = [
      this.pumpJobs(jobStream, enqueue, () => markSynced("jobs")),
      ...streams.slice(1).map(([source, stream]) => this.pumpHooks(source, stream, enqueue, () => markSynced(source))),
    ];
    // The Lease outlives the work queue: it is given up only once reconciles in flight have finished.
    const leaseStop = new AbortController();
    if (!this.config.allNodes) background.push(this.campaign(leaseStop.signal, enqueue, events));
    try {
      const [source, primary] = streams[0] as [string, AsyncIterable<WatchEvent<PlexdHook>>];
      await this.pumpHooks(source, primary, enqueue, () => markSynced(source));
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

  private async openWatches(
    signal: AbortSignal,
  ): Promise<[Array<[string, AsyncIterable<WatchEvent<PlexdHook>>]>, AsyncIterable<WatchEvent<Job>>]> {
    const open = async (): Promise<Array<[string, AsyncIterable<WatchEvent<PlexdHook>>]>> => {
      const { hooks } = this.selectors();
      return Promise.all(
        hooks.map(
          async ([source, fieldSelector]) =>
            [source, await this.client.watchHooks({ namespace: this.namespace, fieldSelector, signal })] as [
              string,
              AsyncIterable<WatchEvent<PlexdHook>>,
            ],
        ),
      );
    };
    let streams: Array<[string, AsyncIterable<WatchEvent<PlexdHook>>]>;
    try {
      streams = await open();
    } catch (err) {
      if (!isFieldSelectorUnsupported(err)) throw err;
      this.logger.warn({ error: errorText(err) }, "API server cannot select PlexdHooks by field; filtering in the client");
      this.serverSideFilter = false;
      streams = await open();
    }
    const jobs = await this.client.watchJobs({ namespace: this.namespace, labelSelector: this.selectors().jobs, signal });
    return [streams, jobs];
  }

  private async pumpHooks(
    source: string,
    stream: AsyncIterable<WatchEvent<PlexdHook>>,
    enqueue: (key: string) => void,
    onSynced: () => void,
  ): Promise<void> {
    for await (const event of stream) {
      if (event.type === "SYNCED") {
        onSynced();
        continue;
      }
      this.metrics.watchEvents.inc({ resource: "plexdhooks" });
      const key = keyOf(event.object);
      if (event.type === "DELETED") this.hooks.delete(source, key);
      else this.hooks.set(source, key, event.object);
      enqueue(key);
    }
  }

  private async pumpJobs(
    stream: AsyncIterable<WatchEvent<Job>>,
    enqueue: (key: string) => void,
    onSynced: () => void,
  ): Promise<void> {
    for await (const event of stream) {
      if (event.type === "SYNCED") {
        onSynced();
        continue;
      }
      this.metrics.watchEvents.inc({ resource: "jobs" });
      const key = keyOf(event.object);
      // A DELETED made up after a relist carries only a name: the cache knows the rest.
      const job = event.type === "DELETED" ? (this.jobs.get(key) ?? event.object) : event.object;
      if (event.type === "DELETED") {
        this.jobs.delete(key);
        this.goneJobs.set(key, { job, at: Date.now() });
      } else {
        this.jobs.set(key, job);
        this.goneJobs.delete(key);
      }
      const owner = job.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === KIND);
      if (owner) enqueue(`${job.metadata?.namespace}/${owner.name}`);
    }
  }

  /** Node mode: hooks without spec.nodeName belong to the Lease holder until their Job exists. */
  private async campaign(signal: AbortSignal, enqueue: (key: string) => void, events: EventRecorder): Promise<void> {
    let untargeted: AbortController | undefined;
    const elector = new LeaseElector(this.client, {
      namespace: this.config.leaseNamespace,
      name: this.config.leaseName,
      identity: this.config.identity,
      leaseDurationSeconds: this.config.leaseDurationSeconds,
      retryPeriodMs: this.config.leaseRetryPeriodMs,
      logger: this.logger,
      now: this.config.now,
      onChange: (leader) => {
        this.leader = leader;
        this.metrics.leader.set(leader ? 1 : 0);
        untargeted?.abort();
        untargeted = undefined;
        for (const key of this.hooks.clear(SOURCE_UNTARGETED)) enqueue(key);
        if (!leader) return;
        untargeted = new AbortController();
        const duties = AbortSignal.any([signal, untargeted.signal]);
        void reportUnclaimed(
          {
            client: this.client,
            namespace: this.namespace,
            fieldSelector: this.serverSideFilter ? "status.nodeName=" : undefined,
            afterMs: this.config.unclaimedAfterMs,
            everyMs: this.config.unclaimedCheckMs,
            logger: this.logger,
            events,
            now: this.config.now,
          },
          duties,
        );
        if (this.serverSideFilter) void this.watchUntargeted(duties, enqueue);
        else for (const hook of this.hooks.values()) if (!hook.spec.nodeName) enqueue(keyOf(hook));
      },
    });
    await elector.run(signal);
    untargeted?.abort();
  }

  private async watchUntargeted(signal: AbortSignal, enqueue: (key: string) => void): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const stream = await this.client.watchHooks({
          namespace: this.namespace,
          fieldSelector: "spec.nodeName=,status.nodeName=",
          signal,
        });
        await this.pumpHooks(SOURCE_UNTARGETED, stream, enqueue, () => {});
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ error: errorText(err) }, "watching hooks without spec.nodeName failed, retrying");
        await sleep(backoffDelay(attempt, this.config.retryBaseMs, this.config.retryMaxMs), signal);
      }
    }
  }
}
