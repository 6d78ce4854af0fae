// reconcile(node): plan the node's next step from the caches, carry it out, and plan again until there is none.

import type { Logger } from "pino";
import { ANNOTATION_CORDONED_BY, DRAIN_FINALIZER } from "../../constants.ts";
import type { EventRecorder } from "../../controller/events.ts";
import { type Outcome, Retry } from "../../controller/work-queue.ts";
import { keyOf } from "../../core/names.ts";
import { REASON_DRAIN_BLOCKED, REASON_DRAIN_TIMEOUT } from "../../core/reasons.ts";
import type { PlexdHook, PlexdHookStatus } from "../../core/types.ts";
import type { KubeClient } from "../../kube/client.ts";
import { errorText, isConflict, isNotFound } from "../../kube/errors.ts";
import type { Metrics } from "../../observe/metrics.ts";
import type { DrainCache } from "./cache.ts";
import { type DrainEvent, drainedStep, planNode, type Step } from "./plan.ts";
import { planEvictions } from "./pods.ts";
import { type EvictionResult, progressOf, recheckAfterMs } from "./progress.ts";
import { drainDeadline, drainingStatus } from "./stages.ts";

/** Steps in one reconcile before the node goes back in line (a guard: a drain takes about eight). */
const MAX_STEPS = 32;
/** How often a node whose drain waits for the node or its agent to be ready is looked at again. */
const NOT_READY_RECHECK_MS = 10_000;

export interface DrainStepsDeps {
  client: KubeClient;
  cache: DrainCache;
  events: EventRecorder;
  namespace: string;
  /** Whether a drain may begin on the node (it and its agent are ready). */
  canStart: (node: string) => boolean;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
}

export class DrainSteps {
  /** Blocked looks in a row, per hook: the backoff between retries of a refused eviction. */
  private readonly blockedLooks = new Map<string, number>();

  constructor(private readonly deps: DrainStepsDeps) {}

  async reconcile(node: string): Promise<Outcome> {
    const { cache, namespace, now } = this.deps;
    for (let i = 0; i < MAX_STEPS; i++) {
      const hooks = cache.hooksOn(node);
      const canStart = this.deps.canStart(node);
      const step = planNode({ node, view: cache.node(node), hooks, namespace, canStart, now: now() });
      if (!step) return canStart || hooks.length === 0 ? undefined : { requeueAfterMs: NOT_READY_RECHECK_MS };
      const outcome = await this.carryOut(node, step);
      if (outcome) return outcome;
    }
    return { requeueAfterMs: 0 };
  }

  private async carryOut(node: string, step: Step): Promise<Outcome> {
    const { client, cache, logger } = this.deps;
    try {
      switch (step.kind) {
        case "addFinalizer":
          cache.storeWritten(
            await client.setHookFinalizers(step.hook, [...(step.hook.metadata.finalizers ?? []), DRAIN_FINALIZER]),
          );
          return;
        case "removeFinalizer": {
          const kept = (step.hook.metadata.finalizers ?? []).filter((f) => f !== DRAIN_FINALIZER);
          cache.storeWritten(await client.setHookFinalizers(step.hook, kept));
          return;
        }
        case "status":
          await this.writeStatus(step.hook, step.status, step.event);
          return;
        case "patchNode": {
          const { unschedulable, cordonedBy } = step.patch;
          const answer = await client.patchNode(node, {
            resourceVersion: cache.node(node)?.resourceVersion,
            unschedulable,
            annotations: { [ANNOTATION_CORDONED_BY]: cordonedBy },
          });
          cache.storeNode({ type: "MODIFIED", object: answer });
          logger.info({ node, hook: step.hook && keyOf(step.hook), ...step.patch }, "node patched for a drain");
          if (step.hook && step.event) this.record(step.hook, step.event);
          return;
        }
        case "evict":
          return await this.evict(node, step.hook);
      }
    } catch (err) {
      // A stale copy: the watch brings the current one, and the node is looked at again.
      if (isConflict(err)) throw new Retry(`${step.kind} conflict on node ${node}`, { cause: err });
      if (isNotFound(err) && step.kind !== "patchNode") return { requeueAfterMs: 1_000 };
      logger.warn({ node, step: step.kind, hook: step.hook && keyOf(step.hook), error: errorText(err) }, "drain step failed");
      throw err;
    }
  }

  /** Lists the node's pods, evicts what must go, and writes what is left (or Complete). */
  private async evict(node: string, hook: PlexdHook): Promise<Outcome> {
    const { client, logger, now } = this.deps;
    const drain = hook.spec.drain ?? { enabled: true };
    const plan = planEvictions(await client.listNodePods(node), drain);
    const results: EvictionResult[] =
      plan.refused.length > 0
        ? []
        : await Promise.all(
            plan.evict.map(async (pod) => {
              const { namespace = "", name = "" } = pod.metadata ?? {};
              const answer = await client.evictPod(namespace, name, drain.gracePeriodSeconds);
              if (answer.outcome === "evicted") logger.info({ node, hook: keyOf(hook), pod: keyOf(pod) }, "pod evicted");
              return { pod: keyOf(pod), ...answer };
            }),
          );
    const progress = progressOf(plan, results);
    const key = keyOf(hook);
    if (progress.podsLeft === 0) {
      this.blockedLooks.delete(key);
      const done = drainedStep(hook, node, now());
      if (done.kind === "status") await this.writeStatus(hook, done.status, done.event);
      return;
    }
    const looks = progress.blocking ? (this.blockedLooks.get(key) ?? 0) : 0;
    if (progress.blocking) this.blockedLooks.set(key, looks + 1);
    else this.blockedLooks.delete(key);
    const status = drainingStatus(hook, node, progress, now());
    const event: DrainEvent | undefined = progress.blocking && {
      type: "Warning",
      reason: REASON_DRAIN_BLOCKED,
      message: status.drain?.message ?? "",
    };
    await this.writeStatus(hook, status, event);
    const deadline = drainDeadline(hook) ?? Number.POSITIVE_INFINITY;
    return { requeueAfterMs: recheckAfterMs(progress, looks, deadline - now().getTime()) };
  }

  /** Writes the status if it changed, then records the step's Event. */
  private async writeStatus(hook: PlexdHook, status: PlexdHookStatus, event?: DrainEvent): Promise<void> {
    if (Bun.deepEquals(status, hook.status ?? {})) return;
    this.deps.cache.storeWritten(await this.deps.client.updateHookStatus(hook, status));
    if (status.drain?.stage !== hook.status?.drain?.stage) {
      this.deps.logger.info({ hook: keyOf(hook), node: status.drain?.nodeName, stage: status.drain?.stage }, "drain stage");
    }
    if (event?.reason === REASON_DRAIN_TIMEOUT) this.deps.metrics.failedWithoutJob(REASON_DRAIN_TIMEOUT);
    if (event) this.record(hook, event);
  }

  private record(hook: PlexdHook, event: DrainEvent): void {
    this.deps.events.record(hook, event.type, event.reason, event.message);
  }
}
