// reconcile(key): read the hook and its Job from the caches and converge; level-based and idempotent.

import type { Logger } from "pino";
import { KIND, LABEL_HOSTNAME } from "../constants.ts";
import { buildJob } from "../core/build-job.ts";
import { jobNameFor } from "../core/names.ts";
import { ownsHook, type Self, targetNode } from "../core/ownership.ts";
import { deriveStatus, failedStatus, isTerminal, jobFinished, pendingStatus } from "../core/status.ts";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isAlreadyExists, isConflict, isTransient } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import { type Diagnostics, recheckMs } from "./diagnose.ts";
import type { EventRecorder } from "./events.ts";
import type { HookCache } from "./hook-cache.ts";
import * as msg from "./messages.ts";
import type { Outcome } from "./work-queue.ts";

export interface ReconcilerDeps {
  client: KubeClient;
  hooks: HookCache;
  jobs: Map<string, Job>;
  goneJobs: Map<string, { job: Job }>;
  diagnostics: Diagnostics;
  self: () => Self;
  logger: Logger;
  metrics: Metrics;
  events: EventRecorder;
  now: () => Date;
  /** Transient API errors on Job creation are retried for this long before the hook is called Failed. */
  transientRetryWindowMs: number;
  /** How soon to look again at a hook whose Job name is held by another owner (usually GC on its way). */
  ownedElsewhereRetryMs: number;
  /** How long after the hook's creation that wait ends in Failed. */
  ownedElsewhereGiveUpMs: number;
}

function controllerUid(job: Job): string | undefined {
  return job.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === KIND)?.uid;
}

/** Thrown to ask the work queue for a routine retry with backoff (a conflict, a cache behind). */
export class Retry extends Error {}

export class Reconciler {
  private readonly warnedNoNode = new Set<string>();
  /** When each hook's run of transient create errors began. */
  private readonly transientSince = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const { hooks, self } = this.deps;
    const hook = hooks.get(key);
    if (!hook || hook.metadata.deletionTimestamp) return;
    const me = self();
    if (isTerminal(hook.status?.phase)) return;
    if (!ownsHook(hook, me)) {
      if (me.allNodes && !this.warnedNoNode.has(key)) {
        this.warnedNoNode.add(key);
        this.deps.logger.warn(
          { hook: hook.metadata.name },
          "hook has no spec.nodeName and this controller no --node-name: left alone",
        );
      }
      return;
    }
    const node = targetNode(hook, me) as string;
    if (hook.status?.jobName) return this.track(hook);
    return this.ensureJob(hook, node);
  }

  /** The seed's cycle: build and create the Job, then record Pending with jobName and startedAt. */
  private async ensureJob(hook: PlexdHook, node: string): Promise<Outcome> {
    const { client, jobs, logger, metrics, events, now } = this.deps;
    const name = hook.metadata.name;
    const jobName = jobNameFor(name);
    let job = jobs.get(`${hook.metadata.namespace}/${jobName}`);
    let created = false;
    if (!job) {
      let desired: Job;
      try {
        desired = buildJob(hook, node);
      } catch (err) {
        logger.error({ hook: name, error: errorText(err) }, msg.LOG_JOB_CREATE_FAILED);
        return this.fail(hook, msg.REASON_INVALID_SPEC, errorText(err));
      }
      const started = performance.now();
      try {
        job = await client.createJob(desired);
        metrics.jobCreateSeconds.observe((performance.now() - started) / 1000);
        logger.info({ hook: name, job: jobName, node }, msg.LOG_JOB_CREATED);
        created = true;
      } catch (err) {
        if (isAlreadyExists(err)) {
          logger.info({ hook: name, job: jobName }, msg.LOG_JOB_EXISTS);
          job = await client.getJob(hook.metadata.namespace, jobName);
          if (!job) throw new Retry(`Job ${jobName} vanished after AlreadyExists`);
        } else if (isTransient(err) && this.keepTrying(hook)) {
          logger.warn({ hook: name, error: errorText(err) }, "job create failed, will retry");
          throw err;
        } else {
          // A create that timed out may still have been carried out.
          job = isTransient(err) ? await client.getJob(hook.metadata.namespace, jobName).catch(() => undefined) : undefined;
          if (job) {
            logger.info({ hook: name, job: jobName }, msg.LOG_JOB_EXISTS);
          } else {
            logger.error({ hook: name, error: errorText(err) }, msg.LOG_JOB_CREATE_FAILED);
            return this.fail(hook, msg.REASON_JOB_CREATE_FAILED, `Creating Job ${jobName} failed: ${errorText(err)}`);
          }
        }
      }
    }
    this.transientSince.delete(`${hook.metadata.namespace}/${name}`);
    const owner = controllerUid(job);
    if (owner !== undefined && owner !== hook.metadata.uid) {
      // Most often the Job of a deleted hook of the same name that garbage collection is about to remove.
      const age = now().getTime() - new Date(hook.metadata.creationTimestamp ?? now()).getTime();
      if (age < this.deps.ownedElsewhereGiveUpMs) {
        logger.info({ hook: name, job: jobName, owner }, "job name held by another owner, waiting");
        return { requeueAfterMs: this.deps.ownedElsewhereRetryMs };
      }
      return this.fail(
        hook,
        msg.REASON_JOB_OWNED_ELSEWHERE,
        `Job ${jobName} exists and belongs to another owner (uid ${owner}): delete that Job, or give this PlexdHook another name`,
      );
    }
    // The Job may be an earlier leader's, pinned elsewhere: record where it really runs.
    const ranOn = job.spec?.template.spec?.nodeSelector?.[LABEL_HOSTNAME] ?? node;
    const pending = pendingStatus(hook, jobName, ranOn, now());
    await this.write(hook, deriveStatus({ ...hook, status: pending }, job, [], now()));
    // After the status write, so the Event does not compete with it at the API server.
    if (created) events.record(hook, "Normal", msg.REASON_JOB_CREATED, `Created Job ${jobName} on node ${node}`);
  }

  /** After the seed's cycle: follow the Job to its end. */
  private async track(hook: PlexdHook): Promise<Outcome> {
    const { client, jobs, goneJobs, diagnostics, now } = this.deps;
    const jobName = hook.status?.jobName as string;
    const key = `${hook.metadata.namespace}/${jobName}`;
    // Not in the cache: just created and not yet seen, deleted, or not made by us (no node label); ask.
    const existing = jobs.get(key) ?? (await client.getJob(hook.metadata.namespace, jobName));
    // A Job deleted once it finished still says how it ended; one deleted while running does not.
    const gone = goneJobs.get(key)?.job;
    const job = existing ?? (gone && jobFinished(gone) ? gone : undefined);
    if (!job) {
      return this.fail(
        hook,
        msg.REASON_JOB_MISSING,
        `Job ${jobName} no longer exists, so how this hook ended is unknown (the Job was deleted, or removed by ttlSecondsAfterFinished while no controller watched): create a new PlexdHook to run the task again`,
      );
    }
    // Pods and Events are read only when they can explain something: an exit code, or why nothing starts.
    const [pods, createFailures] = await Promise.all([diagnostics.pods(job), diagnostics.createFailures(job)]);
    const status = deriveStatus(hook, job, pods, now(), createFailures);
    await this.write(hook, status);
    // Nothing on the Job changes while its pod cannot be made or started, so look again, less often as time passes.
    if (!jobFinished(job) && status.phase === "Pending") return { requeueAfterMs: recheckMs(job, now()) };
  }

  /** Whether a hook whose Job create just failed transiently is still within its retry window. */
  private keepTrying(hook: PlexdHook): boolean {
    const key = `${hook.metadata.namespace}/${hook.metadata.name}`;
    const now = this.deps.now().getTime();
    const since = this.transientSince.get(key) ?? now;
    this.transientSince.set(key, since);
    if (now - since < this.deps.transientRetryWindowMs) return true;
    this.transientSince.delete(key);
    return false;
  }

  private async fail(hook: PlexdHook, reason: string, message: string): Promise<Outcome> {
    await this.write(hook, failedStatus(hook, reason, message, this.deps.now()));
    this.deps.metrics.hookFailures.inc({ reason });
  }

  private async write(hook: PlexdHook, status: PlexdHookStatus): Promise<Outcome> {
    const { client, hooks, logger } = this.deps;
    if (Bun.deepEquals(status, hook.status ?? {})) return;
    let updated: PlexdHook;
    try {
      updated = await client.updateHookStatus(hook, status);
    } catch (err) {
      if (isConflict(err)) throw new Retry("status conflict");
      logger.warn({ hook: hook.metadata.name, error: errorText(err) }, msg.LOG_STATUS_UPDATE_FAILED);
      // Already said at warn level: the retry itself is routine.
      throw new Retry(`status update failed: ${errorText(err)}`, { cause: err });
    }
    const key = `${hook.metadata.namespace}/${hook.metadata.name}`;
    hooks.update(key, updated);
    const before = hook.status?.phase;
    if (status.phase !== before) this.announce(updated, status);
  }

  private announce(hook: PlexdHook, status: PlexdHookStatus): void {
    const { events } = this.deps;
    if (status.phase === "Running") events.record(hook, "Normal", msg.REASON_RUNNING, `Job ${status.jobName} is running`);
    if (status.phase === "Succeeded") events.record(hook, "Normal", msg.REASON_SUCCEEDED, status.message ?? "Hook succeeded");
    if (status.phase === "Failed") events.record(hook, "Warning", msg.REASON_FAILED, status.message ?? "Hook failed");
  }
}
