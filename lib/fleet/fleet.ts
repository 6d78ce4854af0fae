// FleetController: the replicated controller that holds every cluster-wide duty, acting while it holds the Lease.

import type { Logger } from "pino";
import { Diagnostics } from "../controller/diagnose.ts";
import { Echoes } from "../controller/echoes.ts";
import { EventRecorder } from "../controller/events.ts";
import { HookCache } from "../controller/hook-cache.ts";
import { JobCache } from "../controller/job-cache.ts";
import { reportLostNodes } from "../controller/lost-nodes.ts";
import { pumpWatch } from "../controller/pump.ts";
import { Reconciler } from "../controller/reconcile.ts";
import { StatusWriter } from "../controller/status-writer.ts";
import { reportUnclaimed } from "../controller/unclaimed.ts";
import { WorkQueue } from "../controller/work-queue.ts";
import type { Self } from "../core/ownership.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { FleetConfig } from "./config.ts";
import { DrainController } from "./drain/controller.ts";
import { DutyLease } from "./duty-lease.ts";
import { FleetView } from "./fleet-view.ts";
import { FleetReconciler } from "./hook-reconciler.ts";

const LOG_FLEET_STARTED = "plexd-hook fleet controller started";

/** A further duty of the Lease holder (rollouts, drains): made anew each time the Lease is won, run until it is lost. */
export interface Duty {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface FleetOptions {
  client: KubeClient;
  config: FleetConfig;
  metrics: Metrics;
  logger: Logger;
  /** Makes the further duties, each term of leadership afresh: their caches start from full lists. */
  duties?: () => Duty[];
}

/** The hook cache's one source: the fleet controller watches every hook of its namespace. */
const SOURCE_ALL = "all";

export class FleetController {
  private campaigning = false;
  private leading = false;

  constructor(private readonly options: FleetOptions) {}

  /** Ready once campaigning: a replica waiting for the Lease is ready to take over (and counts for the PDB). */
  get ready(): boolean {
    return this.campaigning;
  }

  get leader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns for the Lease until `signal` aborts; while holding it, runs the duties. On abort the
   * duties finish their reconciles in flight before the Lease is given up.
   */
  async start(signal: AbortSignal): Promise<void> {
    const { client, config, metrics, logger } = this.options;
    logger.info({ namespace: config.namespace, lease: config.lease.name }, LOG_FLEET_STARTED);
    const lease = new DutyLease({
      ...{ client, lease: config.lease, retry: config.retry, logger, now: config.now },
      duties: () => [{ name: "hooks", run: (during) => this.duties(during) }, ...(this.options.duties?.() ?? [])],
      onChange: (leader) => {
        this.leading = leader;
        metrics.leader.set(leader ? 1 : 0);
      },
    });
    this.campaigning = true;
    try {
      await lease.run(signal);
    } finally {
      this.campaigning = false;
    }
    if (signal.aborted) throw signal.reason;
  }

  private async duties(signal: AbortSignal): Promise<void> {
    const { client, config, metrics, logger } = this.options;
    const { namespace, now } = config;
    const hooks = new HookCache();
    const view = new FleetView(hooks, config.agentSelector === "");
    const queue = new WorkQueue({ workers: config.workers, retry: config.retry });
    metrics.queueWith(() => queue);
    metrics.countHooksWith(() => hooks.countPhases());
    const echoes = new Echoes();
    const events = new EventRecorder(client, "plexd-hook-fleet", logger, now);
    const status = new StatusWriter({ client, hooks, events, echoes, logger });
    const self: Self = { role: "fleet", nodeName: "", leader: true };
    const jobs = new Reconciler({
      ...{ client, hooks, jobs: new JobCache(), echoes: new Echoes(), status, events, metrics, logger, now },
      ...{ diagnostics: new Diagnostics(client, now, { byNode: false, logger }), self: () => self, config: config.reconcile },
    });
    const reconciler = new FleetReconciler({ client, hooks, view, status, jobs, metrics, logger, now });

    const [hookStream, nodeStream, agentStream] = await Promise.all([
      client.watchHooks({ namespace, signal }),
      client.watchNodes({ namespace: "", signal }),
      config.agentSelector ? client.watchPods({ namespace, labelSelector: config.agentSelector, signal }) : undefined,
    ]);
    const enqueue = (key: string): void => queue.add(key);
    // A node or agent that changed can unblock hooks waiting for one: those not yet claimed by an agent.
    const enqueueWaiting = (): void => {
      for (const hook of hooks.values()) if (!hook.status?.jobName) enqueue(`${hook.metadata.namespace}/${hook.metadata.name}`);
    };
    const unsynced = new Set(["hooks", "nodes", ...(agentStream ? ["agents"] : [])]);
    const synced = Promise.withResolvers<void>();
    const onSynced = (source: string) => (): void => {
      if (unsynced.delete(source) && unsynced.size === 0) synced.resolve();
    };
    signal.addEventListener("abort", () => synced.resolve(), { once: true });
    const background = [
      pumpWatch(hookStream, "plexdhooks", this.options.metrics, onSynced("hooks"), (event) => {
        const key = hooks.apply(SOURCE_ALL, event);
        echoes.unlessEcho(key, event.object.metadata.resourceVersion, () => enqueue(key));
      }),
      pumpWatch(nodeStream, "nodes", this.options.metrics, onSynced("nodes"), (event) => {
        if (view.applyNode(event) && unsynced.size === 0) enqueueWaiting();
      }),
      ...(agentStream
        ? [
            pumpWatch(agentStream, "pods", this.options.metrics, onSynced("agents"), (event) => {
              if (view.applyAgent(event) && unsynced.size === 0) enqueueWaiting();
            }),
          ]
        : []),
    ];
    await synced.promise;
    logger.info({ hooks: hooks.keys().size }, "fleet controller leading: caches synced");
    // Started once the view of nodes and agents is whole: a drain begins only where the hook can then run.
    const canStart = (node: string): boolean => view.canRun(node);
    background.push(new DrainController({ client, namespace, logger, metrics, now, config: config.drain, canStart }).run(signal));
    for (const key of hooks.keys()) enqueue(key);
    const resync = setInterval(() => {
      for (const key of hooks.keys()) enqueue(key);
    }, config.resyncPeriodMs);
    void reportUnclaimed(
      { client, namespace, fieldSelector: "status.nodeName=", config: config.unclaimed, status, events, logger, now, metrics },
      signal,
    );
    void reportLostNodes({ client, namespace, config: config.lostNodes, status, logger, now }, signal);
    try {
      await queue.run(async (key) => {
        try {
          const outcome = await reconciler.reconcile(key);
          metrics.reconciles.inc({ result: outcome ? "requeue" : "success" });
          return outcome;
        } catch (err) {
          metrics.reconciles.inc({ result: "error" });
          logger.debug(
            { hook: key, error: errorText(err), attempt: queue.attempts(key) + 1 },
            "fleet reconcile failed, retrying",
          );
          throw err;
        }
      }, signal);
    } finally {
      clearInterval(resync);
      await Promise.allSettled(background);
    }
  }
}
