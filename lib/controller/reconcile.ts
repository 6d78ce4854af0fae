// reconcile(key): read the hook and its Job from the caches and converge; level-based and idempotent.

import type { Logger } from "pino";
import { buildJob } from "../core/build-job.ts";
import { jobFinished } from "../core/job-state.ts";
import { jobNameFor, keyOf } from "../core/names.ts";
import { controllerRef, ownsHook, type Self, targetNode } from "../core/ownership.ts";
import {
  REASON_INVALID_SPEC,
  REASON_JOB_CREATE_FAILED,
  REASON_JOB_CREATED,
  REASON_JOB_MISSING,
  REASON_JOB_OWNED_ELSEWHERE,
  REASON_JOB_UNCONFIRMED,
  REASON_POD_NOT_STARTING,
} from "../core/reasons.ts";
import { claimedStatus, deriveStatus, failedStatus, isClaimOnly, isTerminal, notStarting } from "../core/status.ts";
import type { Job, PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isAlreadyExists, isThrottled, isTransient } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { ReconcileConfig } from "./config.ts";
import { type Diagnostics, recheckMs } from "./diagnose.ts";
import type { Echoes } from "./echoes.ts";
import type { EventRecorder } from "./events.ts";
import type { HookCache } from "./hook-cache.ts";
import type { JobCache } from "./job-cache.ts";
import { LOG_JOB_CREATE_FAILED, LOG_JOB_CREATED, LOG_JOB_EXISTS, ownedElsewhereMessage, unconfirmedMessage } from "./messages.ts";
import { withOutput } from "./output.ts";
import type { StatusWriter } from "./status-writer.ts";
import { type Outcome, Retry } from "./work-queue.ts";

/** How often a hook whose Job no watch of this controller sees (it runs on another node) is looked at. */
const UNWATCHED_JOB_RECHECK_MS = 30_000;

export interface ReconcilerDeps {
  client: KubeClient;
  hooks: HookCache;
  jobs: JobCache;
  /** Told of each Job created, so its ADDED event does not reconcile the hook again. */
  echoes: Echoes;
  status: StatusWriter;
  diagnostics: Diagnostics;
  self: () => Self;
  events: EventRecorder;
  metrics: Metrics;
  logger: Logger;
  config: ReconcileConfig;
  now: () => Date;
}

/** What one reconcile acts on: the hook, the node its Job runs on, and the Job's name and cache key. */
interface Target {
  hook: PlexdHook;
  node: string;
  jobName: string;
  jobKey: string;
}

export class Reconciler {
  private readonly warnedNoNode = new Set<string>();
  /** When each hook's run of transient create errors began. */
  private readonly transientSince = new Map<string, number>();
  /** UIDs of hooks this process claimed and has not yet created a Job for (or given up on). */
  private readonly creating = new Set<string>();

  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const { hooks, self } = this.deps;
    const hook = hooks.get(key);
    if (!hook || hook.metadata.deletionTimestamp) return;
    const me = self();
    if (isTerminal(hook.status?.phase)) return;
    if (!ownsHook(hook, me)) {
      if (me.role === "cluster" && me.leader && !this.warnedNoNode.has(key)) {
        this.warnedNoNode.add(key);
        this.deps.logger.warn(
          { hook: hook.metadata.name },
          "hook has no spec.nodeName and this controller no --node-name: left alone",
        );
      }
      return;
    }
    const node = targetNode(hook, me) as string;
    const jobName = hook.status?.jobName ?? jobNameFor(hook.metadata.name);
    const target = { hook, node, jobName, jobKey: `${hook.metadata.namespace}/${jobName}` };
    return hook.status?.jobName ? this.track(target) : this.ensureJob(target);
  }

  /**
   * At most once: the status names the Job (a claim, written with the hook's resourceVersion) before the
   * Job is created, so no later reconcile, here or after a crash, creates it again.
   */
  private async ensureJob(target: Target): Promise<Outcome> {
    const { hook, node, jobName } = target;
    const { logger, now } = this.deps;
    const cached = this.deps.jobs.get(target.jobKey);
    if (cached) return this.record(target, cached, false);
    let desired: Job;
    try {
      desired = buildJob(hook, node);
    } catch (err) {
      logger.error({ hook: hook.metadata.name, error: errorText(err) }, LOG_JOB_CREATE_FAILED);
      return this.fail(hook, REASON_INVALID_SPEC, errorText(err));
    }
    await this.deps.status.write(hook, claimedStatus(hook, jobName, node, now()));
    this.creating.add(hook.metadata.uid);
    return this.create({ ...target, hook: this.deps.hooks.get(keyOf(hook)) ?? hook }, desired);
  }

  /** Creates the claimed hook's Job; AlreadyExists (or a create that timed out but was carried out) finds it instead. */
  private async create(target: Target, desired: Job): Promise<Outcome> {
    const { hook, node, jobName } = target;
    const { client, logger, metrics } = this.deps;
    const name = hook.metadata.name;
    const started = performance.now();
    let job: Job | undefined;
    try {
      job = await this.deps.echoes.writing(target.jobKey, client.createJob(desired));
      metrics.jobCreateSeconds.observe((performance.now() - started) / 1000);
      this.deps.echoes.wrote(target.jobKey, job.metadata?.resourceVersion);
      logger.info({ hook: name, job: jobName, node }, LOG_JOB_CREATED);
      this.creating.delete(hook.metadata.uid);
      this.transientSince.delete(keyOf(hook));
      return this.record(target, job, true);
    } catch (err) {
      if (isAlreadyExists(err)) {
        logger.info({ hook: name, job: jobName }, LOG_JOB_EXISTS);
        job = await client.getJob(hook.metadata.namespace, jobName);
        if (!job) throw new Retry(`Job ${jobName} vanished after AlreadyExists`);
      } else if (isThrottled(err) || (isTransient(err) && this.keepTrying(hook))) {
        // The claim stays: the next reconcile tries again (see track). A 429 never fails the hook.
        logger.warn({ hook: name, error: errorText(err) }, "job create failed, will retry");
        throw err;
      } else {
        // A create that timed out may still have been carried out.
        job = isTransient(err) ? await client.getJob(hook.metadata.namespace, jobName).catch(() => undefined) : undefined;
        if (job) logger.info({ hook: name, job: jobName }, LOG_JOB_EXISTS);
      }
      this.creating.delete(hook.metadata.uid);
      if (job) return this.record(target, job, false);
      logger.error({ hook: name, error: errorText(err) }, LOG_JOB_CREATE_FAILED);
      return this.fail(hook, REASON_JOB_CREATE_FAILED, `Creating Job ${jobName} failed: ${errorText(err)}`);
    }
  }

  /** Records the Job in the status if it is this hook's: its controller owner reference carries the hook's UID. */
  private async record(target: Target, job: Job, created: boolean): Promise<Outcome> {
    const { hook, node, jobName } = target;
    const { logger, now, config } = this.deps;
    const owner = controllerRef(job)?.uid;
    if (owner !== hook.metadata.uid) {
      // Most often the Job of a deleted hook of the same name that garbage collection is about to remove.
      const age = now().getTime() - new Date(hook.metadata.creationTimestamp ?? now()).getTime();
      if (owner !== undefined && age < config.ownedElsewhereGiveUpMs) {
        logger.info({ hook: hook.metadata.name, job: jobName, owner }, "job name held by another owner, waiting");
        return { requeueAfterMs: config.ownedElsewhereRetryMs };
      }
      return this.fail(hook, REASON_JOB_OWNED_ELSEWHERE, ownedElsewhereMessage(jobName, owner));
    }
    const status = deriveStatus(hook, job, now(), { node });
    await this.deps.status.write(hook, await withOutput(this.deps.client, hook, job, status, logger));
    // After the status write, so the Event does not compete with it at the API server.
    if (created) this.deps.events.record(hook, "Normal", REASON_JOB_CREATED, `Created Job ${jobName} on node ${node}`);
  }

  /** Once the status names the Job: follow it to its end. Only a Job with this hook's UID as controller counts. */
  private async track(target: Target): Promise<Outcome> {
    const { hook, node, jobName, jobKey } = target;
    const { client, jobs, diagnostics, now } = this.deps;
    // Not in the cache: just created and not yet seen, deleted, not made by us (no node label), or running
    // on another node (an untargeted hook an earlier Lease holder started); ask.
    const cached = jobs.get(jobKey);
    const existing = cached ?? (await client.getJob(hook.metadata.namespace, jobName));
    if (existing && controllerRef(existing)?.uid !== hook.metadata.uid) return this.record(target, existing, false);
    // A Job deleted once it finished still says how it ended; one deleted while running does not.
    const gone = jobs.gone(jobKey);
    const job = existing ?? (gone && controllerRef(gone)?.uid === hook.metadata.uid && jobFinished(gone) ? gone : undefined);
    if (!job && isClaimOnly(hook)) {
      // Created again only when no Job can have existed: this process knows its create failed, or no
      // ttlSecondsAfterFinished could have removed one (the hook, its owner, still exists).
      const neverMade = this.creating.has(hook.metadata.uid) || hook.spec.ttlSecondsAfterFinished === undefined;
      if (neverMade) return this.create(target, buildJob(hook, node));
      return this.fail(hook, REASON_JOB_UNCONFIRMED, unconfirmedMessage(jobName));
    }
    if (!job) {
      return this.fail(
        hook,
        REASON_JOB_MISSING,
        `Job ${jobName} no longer exists, so how this hook ended is unknown (the Job was deleted, or removed by ttlSecondsAfterFinished while no controller watched): create a new PlexdHook to run the task again`,
      );
    }
    // Pods and Events are read only when they can explain something: an exit code, or why nothing starts.
    const [pods, jobEvents] = await Promise.all([diagnostics.pods(job), diagnostics.createFailures(job)]);
    const status = await withOutput(client, hook, job, deriveStatus(hook, job, now(), { pods, jobEvents }), this.deps.logger);
    await this.deps.status.write(hook, status);
    if (notStarting(status)) this.deps.events.record(hook, "Warning", REASON_POD_NOT_STARTING, status.message as string);
    // Nothing on the Job changes while its pod cannot be made or started, so look again, less often as time passes.
    const recheck = !jobFinished(job) && status.phase === "Pending" ? recheckMs(job, now()) : undefined;
    if (recheck !== undefined) return { requeueAfterMs: recheck };
    // No watch tells this controller about a Job it does not cache: look again now and then.
    if (!cached && !jobFinished(job)) return { requeueAfterMs: UNWATCHED_JOB_RECHECK_MS };
  }

  /** Whether a hook whose Job create just failed transiently is still within its retry window. */
  private keepTrying(hook: PlexdHook): boolean {
    const [key, now] = [keyOf(hook), this.deps.now().getTime()];
    const since = this.transientSince.get(key) ?? now;
    this.transientSince.set(key, since);
    if (now - since < this.deps.config.transientRetryWindowMs) return true;
    this.transientSince.delete(key);
    return false;
  }

  private async fail(hook: PlexdHook, reason: string, message: string): Promise<Outcome> {
    await this.deps.status.write(hook, failedStatus(hook, reason, message, this.deps.now()));
    this.deps.metrics.hookFailures.inc({ reason });
  }
}
