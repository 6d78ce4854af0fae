// Creating a hook's Job at most once (the name is the lock): transient failures retried within a window, the rest fail it.

import type { Logger } from "pino";
import { keyOf } from "../core/names.ts";
import { type FailedWithoutJobReason, REASON_JOB_CREATE_FAILED } from "../core/reasons.ts";
import type { Job, PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isAlreadyExists, isThrottled, isTransient, isUnauthorizedByRbac } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { ReconcileConfig } from "./config.ts";
import type { Echoes } from "./echoes.ts";
import { LOG_JOB_CREATE_FAILED, LOG_JOB_CREATED, LOG_JOB_EXISTS } from "./messages.ts";
import { Retry } from "./work-queue.ts";

export interface JobCreatorDeps {
  client: KubeClient;
  /** Told of each Job created, so its ADDED event does not reconcile the hook again. */
  echoes: Echoes;
  metrics: Metrics;
  logger: Logger;
  config: ReconcileConfig;
  now: () => Date;
}

/** What one reconcile acts on: the hook, the node its Job runs on, and the Job's name and cache key. */
export interface Target {
  hook: PlexdHook;
  node: string;
  jobName: string;
  jobKey: string;
}

/** What a create came to: the Job (`created` now, or found under its name), or why the hook fails without one. */
type Created = { job: Job; created: boolean } | { reason: FailedWithoutJobReason; message: string };

export class JobCreator {
  /** When each hook's run of transient create errors began; the UID tells a hook created again under its name. */
  private readonly transientSince = new Map<string, { uid: string; since: number }>();

  constructor(private readonly deps: JobCreatorDeps) {}

  /**
   * Creates the hook's Job; AlreadyExists (or a create that timed out but was carried out) finds it
   * instead. Throws when the next reconcile should try again: nothing was created.
   */
  async create({ hook, node, jobName, jobKey }: Target, desired: Job): Promise<Created> {
    const { client, logger, metrics, config } = this.deps;
    const name = hook.metadata.name;
    const started = performance.now();
    let job: Job | undefined;
    try {
      job = await this.deps.echoes.writing(jobKey, client.createJob(desired));
      metrics.jobCreateSeconds.observe((performance.now() - started) / 1000);
      this.deps.echoes.wrote(jobKey, job.metadata?.resourceVersion);
      logger.info({ hook: name, job: jobName, node }, LOG_JOB_CREATED);
      this.transientSince.delete(keyOf(hook));
      return { job, created: true };
    } catch (err) {
      if (isAlreadyExists(err)) {
        logger.info({ hook: name, job: jobName }, LOG_JOB_EXISTS);
        job = await client.getJob(hook.metadata.namespace, jobName);
        if (!job) throw new Retry(`Job ${jobName} vanished after AlreadyExists`);
      } else if (
        isThrottled(err) ||
        (isTransient(err) && this.keepTrying(hook, config.transientRetryWindowMs)) ||
        (isUnauthorizedByRbac(err) && this.keepTrying(hook, config.forbiddenRetryWindowMs))
      ) {
        // Nothing was created: the next reconcile tries again. A 429 never fails the hook.
        logger.warn({ hook: name, error: errorText(err) }, "job create failed, will retry");
        throw err;
      } else {
        // A create that timed out may still have been carried out.
        job = isTransient(err) ? await client.getJob(hook.metadata.namespace, jobName).catch(() => undefined) : undefined;
        if (job) logger.info({ hook: name, job: jobName }, LOG_JOB_EXISTS);
      }
      if (job) return { job, created: false };
      logger.error({ hook: name, error: errorText(err) }, LOG_JOB_CREATE_FAILED);
      return { reason: REASON_JOB_CREATE_FAILED, message: `Creating Job ${jobName} failed: ${errorText(err)}` };
    }
  }

  /** Forgets the hook of `key`: it is gone or ended. */
  forget(key: string): void {
    this.transientSince.delete(key);
  }

  /** Whether a hook whose Job create just failed transiently is still within its retry window. */
  private keepTrying(hook: PlexdHook, windowMs: number): boolean {
    const [key, uid, now] = [keyOf(hook), hook.metadata.uid, this.deps.now().getTime()];
    const known = this.transientSince.get(key);
    const since = known?.uid === uid ? known.since : now;
    this.transientSince.set(key, { uid, since });
    if (now - since < windowMs) return true;
    this.transientSince.delete(key);
    return false;
  }
}
