// reconcile(key): read the hook and its Job from the caches and converge; level-based and idempotent.

import { JOB_FINALIZER, LABEL_HOSTNAME } from "../constants.ts";
import { buildJob } from "../core/build-job.ts";
import { drainAllowsJob } from "../core/drain.ts";
import { jobFinished } from "../core/job-state.ts";
import { jobMissingMessage } from "../core/messages.ts";
import { jobNameFor, keyOf } from "../core/names.ts";
import { controllerRef, ownsHook, type Self, targetNode } from "../core/ownership.ts";
import {
  type FailedWithoutJobReason,
  REASON_INVALID_SPEC,
  REASON_JOB_CREATED,
  REASON_JOB_DELETED,
  REASON_JOB_MISSING,
  REASON_JOB_OWNED_ELSEWHERE,
  REASON_JOB_UNCONFIRMED,
  REASON_POD_NOT_STARTING,
} from "../core/reasons.ts";
import { deriveStatus, failedAfterJobStatus, failedStatus, isClaimOnly, isTerminal, notStarting } from "../core/status.ts";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import { errorText } from "../kube/errors.ts";
import { type Diagnostics, recheckMs } from "./diagnose.ts";
import type { EventRecorder } from "./events.ts";
import type { HookLister } from "./hook-cache.ts";
import type { JobLister } from "./job-cache.ts";
import { JobCreator, type JobCreatorDeps, type Target } from "./job-creator.ts";
import {
  deletedWhileRunningMessage,
  LOG_JOB_CREATE_FAILED,
  ownedElsewhereMessage,
  pinnedElsewhereMessage,
  unconfirmedMessage,
} from "./messages.ts";
import { OutputReader } from "./output.ts";
import type { StatusWriter } from "./status-writer.ts";
import type { Outcome } from "./work-queue.ts";

/** The node a Job's pod is pinned to (the builder's kubernetes.io/hostname nodeSelector). */
const pinnedTo = (job: Job): string | undefined => job.spec?.template?.spec?.nodeSelector?.[LABEL_HOSTNAME];

/** How often a hook whose Job no watch of this controller sees (it runs on another node) is looked at. */
const UNWATCHED_JOB_RECHECK_MS = 30_000;

export interface ReconcilerDeps extends JobCreatorDeps {
  hooks: HookLister;
  jobs: JobLister;
  statusWriter: StatusWriter;
  diagnostics: Diagnostics;
  self: () => Self;
  events: EventRecorder;
}

export class Reconciler {
  // Each by key, forgotten once the hook is gone or ended; the UID tells a hook created again under its name.
  private readonly warnedNoNode = new Set<string>();
  /** Hooks (key → UID) whose Job name another owner holds: while they wait, the Job is read, not created again. */
  private readonly heldElsewhere = new Map<string, string>();

  private readonly output: OutputReader;
  private readonly jobCreator: JobCreator;

  constructor(private readonly deps: ReconcilerDeps) {
    this.output = new OutputReader(deps.client, deps.logger, deps.now);
    this.jobCreator = new JobCreator(deps);
  }

  async reconcile(key: string): Promise<Outcome> {
    const { hooks, self } = this.deps;
    const hook = hooks.get(key);
    // A hook that is gone, going, or done no longer needs its Job kept: let it go.
    if (!hook || hook.metadata.deletionTimestamp || isTerminal(hook.status?.phase)) return this.release(key, hook);
    const me = self();
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
    if (hook.status?.jobName) return this.followJob(target);
    // A hook that drains its node waits for the fleet controller's drain (its status says so meanwhile).
    if (!drainAllowsJob(hook)) return;
    return this.ensureJob(target);
  }

  /**
   * At most once: the Job carries JOB_FINALIZER, so it exists until the hook's status holds its outcome;
   * while it exists its deterministic name refuses a second create (AlreadyExists), here or after a crash.
   */
  private async ensureJob(target: Target): Promise<Outcome> {
    const { hook, node } = target;
    const key = keyOf(hook);
    const waiting = this.heldElsewhere.get(key) === hook.metadata.uid;
    const known =
      this.deps.jobs.get(target.jobKey) ??
      (waiting ? await this.deps.client.getJob(hook.metadata.namespace, target.jobName) : undefined);
    if (known) return this.reportJob(target, known, false);
    let desired: Job;
    try {
      desired = buildJob(hook, node, { finalizer: true });
    } catch (err) {
      this.deps.logger.error({ hook: hook.metadata.name, error: errorText(err) }, LOG_JOB_CREATE_FAILED);
      return this.fail(hook, REASON_INVALID_SPEC, errorText(err));
    }
    return this.create(target, desired);
  }

  /** Creates the hook's Job, or finds it under its name; a create that cannot succeed fails the hook. */
  private async create(target: Target, desired: Job): Promise<Outcome> {
    const result = await this.jobCreator.create(target, desired);
    if ("job" in result) return this.reportJob(target, result.job, result.created);
    return this.fail(target.hook, result.reason, result.message);
  }

  /** Reports the Job in the hook's status if it is this hook's: its controller owner reference carries the hook's UID. */
  private async reportJob(target: Target, job: Job, created: boolean): Promise<Outcome> {
    const { hook, node, jobName } = target;
    const { logger, now, config } = this.deps;
    const owner = controllerRef(job)?.uid;
    if (owner !== hook.metadata.uid) {
      // Most often the Job of a deleted hook of the same name that garbage collection is about to remove.
      const age = now().getTime() - new Date(hook.metadata.creationTimestamp ?? now()).getTime();
      if (owner !== undefined && age < config.ownedElsewhereGiveUpMs) {
        logger.info({ hook: hook.metadata.name, job: jobName, owner }, "job name held by another owner, waiting");
        this.heldElsewhere.set(keyOf(hook), hook.metadata.uid);
        return { requeueAfterMs: config.ownedElsewhereRetryMs };
      }
      this.heldElsewhere.delete(keyOf(hook));
      // The seed's AlreadyExists still sets the status: it names the Job that holds the name.
      return this.fail(hook, REASON_JOB_OWNED_ELSEWHERE, ownedElsewhereMessage(jobName, owner), { jobName });
    }
    this.heldElsewhere.delete(keyOf(hook));
    const pinned = pinnedTo(job);
    if (pinned !== undefined && pinned !== node) {
      // Owned by this hook but not where it runs: not made for it by plexd-hook (another node's token can).
      return this.fail(hook, REASON_JOB_OWNED_ELSEWHERE, pinnedElsewhereMessage(jobName, pinned, node), { jobName });
    }
    const status = deriveStatus(hook, job, now(), { node });
    await this.writeStatus(hook, job, await this.output.withOutput(hook, job, status));
    // After the status write, so the Event does not compete with it at the API server.
    if (created) this.deps.events.record(hook, "Normal", REASON_JOB_CREATED, `Created Job ${jobName} on node ${node}`);
  }

  /** Once the status names the Job: follow it to its end. Only a Job with this hook's UID as controller counts. */
  private async followJob(target: Target): Promise<Outcome> {
    const { hook, node, jobName, jobKey } = target;
    const { client, jobs, diagnostics, now } = this.deps;
    // Not in the cache: just created and not yet seen, deleted, not made by us (no node label), or running
    // on another node (an untargeted hook an earlier Lease holder started); ask.
    const cached = jobs.get(jobKey);
    const existing = cached ?? (await client.getJob(hook.metadata.namespace, jobName));
    if (existing && (controllerRef(existing)?.uid !== hook.metadata.uid || (pinnedTo(existing) ?? node) !== node)) {
      return this.reportJob(target, existing, false);
    }
    // A Job deleted once it finished still says how it ended; one deleted while running does not.
    const gone = jobs.getDeleted(jobKey);
    const job = existing ?? (gone && controllerRef(gone)?.uid === hook.metadata.uid && jobFinished(gone) ? gone : undefined);
    if (!job && isClaimOnly(hook)) {
      // A claim written by an earlier version before its create: created again only when no Job can have
      // existed (no ttlSecondsAfterFinished could have removed one while the hook, its owner, exists).
      if (hook.spec.ttlSecondsAfterFinished === undefined) return this.create(target, buildJob(hook, node, { finalizer: true }));
      return this.fail(hook, REASON_JOB_UNCONFIRMED, unconfirmedMessage(jobName));
    }
    if (!job) return this.fail(hook, REASON_JOB_MISSING, jobMissingMessage(jobName));
    if (job.metadata?.deletionTimestamp && !jobFinished(job)) {
      await this.deps.statusWriter.write(
        hook,
        failedAfterJobStatus(hook, REASON_JOB_DELETED, deletedWhileRunningMessage(jobName), now()),
      );
      this.deps.metrics.failedWithoutJob(REASON_JOB_DELETED);
      await this.deps.client.releaseJob(job);
      return;
    }
    // Pods and Events are read only when they can explain something: an exit code, or why nothing starts.
    const [pods, jobEvents] = await Promise.all([diagnostics.pods(job), diagnostics.createFailures(job)]);
    const status = await this.output.withOutput(hook, job, deriveStatus(hook, job, now(), { pods, jobEvents }));
    await this.writeStatus(hook, job, status);
    if (notStarting(status)) this.deps.events.record(hook, "Warning", REASON_POD_NOT_STARTING, status.message as string);
    // Nothing on the Job changes while its pod cannot be made or started, so look again, less often as time passes.
    const recheck = !jobFinished(job) && status.phase === "Pending" ? recheckMs(job, now()) : undefined;
    if (recheck !== undefined) return { requeueAfterMs: recheck };
    // No watch tells this controller about a Job it does not cache: look again now and then.
    if (!cached && !jobFinished(job)) return { requeueAfterMs: UNWATCHED_JOB_RECHECK_MS };
  }

  /** Writes the status; once it holds the outcome, the Job may go (ttlSecondsAfterFinished, garbage collection). */
  private async writeStatus(hook: PlexdHook, job: Job, status: PlexdHookStatus): Promise<void> {
    await this.deps.statusWriter.write(hook, status);
    if (isTerminal(status.phase) && job.metadata?.finalizers?.includes(JOB_FINALIZER)) await this.deps.client.releaseJob(job);
  }

  /**
   * Takes JOB_FINALIZER off the Job of `key`'s hook once nothing is left to record: the hook is done, or
   * it is gone and the Job is being deleted. Only a controller that watches the Job (its node's agent,
   * or cluster mode) has it cached, so only that one releases it.
   */
  private async release(key: string, hook: PlexdHook | undefined): Promise<Outcome> {
    this.forget(key);
    const [namespace, name] = key.split("/") as [string, string];
    const job = this.deps.jobs.get(`${namespace}/${jobNameFor(name)}`);
    if (!job?.metadata?.finalizers?.includes(JOB_FINALIZER)) return;
    const owner = controllerRef(job)?.uid;
    const done = hook !== undefined && owner === hook.metadata.uid && isTerminal(hook.status?.phase);
    if (done || (hook === undefined && job.metadata.deletionTimestamp) || hook?.metadata.deletionTimestamp) {
      await this.deps.client.releaseJob(job);
    }
  }

  private forget(key: string): void {
    this.warnedNoNode.delete(key);
    this.jobCreator.forget(key);
    this.heldElsewhere.delete(key);
  }

  private async fail(
    hook: PlexdHook,
    reason: FailedWithoutJobReason,
    message: string,
    more: PlexdHookStatus = {},
  ): Promise<Outcome> {
    await this.deps.statusWriter.write(hook, { ...failedStatus(hook, reason, message, this.deps.now()), ...more });
    this.deps.metrics.failedWithoutJob(reason);
    // The echo of that write is not reconciled: let the hook's own Job go now, if one is held.
    const key = keyOf(hook);
    await this.release(key, this.deps.hooks.get(key));
  }
}
