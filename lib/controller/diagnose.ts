// Why a hook's Job has not started: its pods (scheduling, image pulls, exit codes) and its FailedCreate Events.
//
// Both are matched by the Job's UID, never its name: a hook deleted and created again under the same
// name gets a Job of the same name, and must not inherit the old Job's exit code or events.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { LABEL_MANAGED_BY, LABEL_NODE, MANAGED_BY_VALUE } from "../constants.ts";
import { jobFailed, jobFinished } from "../core/job-state.ts";
import type { Job, Pod } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";
import { JobPods, PendingPods } from "./pod-lists.ts";

/** A Job usually has a running pod within this long; only past it is the question worth an API call. */
const START_GRACE_MS = 10_000;
/** One namespace-wide list of FailedCreate Events serves every Job for this long. */
const EVENTS_TTL_MS = 10_000;

function ageMs(job: Job, now: Date): number {
  const created = job.metadata?.creationTimestamp;
  return created === undefined ? 0 : now.getTime() - new Date(created).getTime();
}

/** The second and last look at a Job that has not started, without an event asking for it. */
const LAST_RECHECK_AGE_MS = 60_000;

/**
 * How soon to look again at a Job that has not started, if at all: once its start grace is over (most
 * Jobs have started by then and need no second look), and once more at a minute of age. After that its
 * own changes and the periodic resync bring it back: in a backlog of thousands of queued Jobs, timed
 * rechecks were most of the controller's work (13 per hook) and told nothing new.
 */
export function recheckMs(job: Job, now: Date): number | undefined {
  const age = ageMs(job, now);
  if (age < START_GRACE_MS + 1_000) return START_GRACE_MS + 1_000 - age;
  if (age < LAST_RECHECK_AGE_MS) return LAST_RECHECK_AGE_MS - age;
  return undefined;
}

/** @internal A Job that should have a running pod by now and has none. */
export function notStarted(job: Job, now: Date): boolean {
  return !jobFinished(job) && (job.status?.ready ?? 0) === 0 && !job.status?.succeeded && ageMs(job, now) > START_GRACE_MS;
}

/** What the controller's Jobs are selected by: the managed-by label, and in node mode the node's. */
export interface DiagnosticsScope {
  /** Node mode: each pending-pod list selects one node's Jobs, as the Job watch does. */
  byNode: boolean;
  /** Told when a list of pods or Events cannot be read (the explanations go without). */
  logger?: Pick<Logger, "warn">;
}

/** At most this many Jobs' explanations are remembered (a backlog larger than this costs a read more per Job). */
const EXPLAINED_MAX = 10_000;

/** What one look at a Job that has not started found: its pods, or the Events of a Job without pods. */
interface Explanation {
  /** 1 before LAST_RECHECK_AGE_MS of age, 2 after: a Job is read about at most once in each. */
  stage: number;
  pods?: Pod[];
  events?: CoreV1Event[];
}

export class Diagnostics {
  private readonly events = new Map<string, { at: number; list: Promise<CoreV1Event[]> }>();
  /**
   * By Job UID. Without it, every look at a Job (its own changes, the other Jobs' rechecks) that found
   * the shared list expired made another: in a congested fleet that was a list every few seconds per
   * node for as long as any Job waited, several per hook and growing with the node count. Now a Job
   * starts at most one read per stage of its wait: at most two per hook, whatever the node count.
   */
  private readonly explained = new Map<string, Explanation>();
  private readonly pending: PendingPods;
  private readonly failed: JobPods;

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date,
    private readonly scope: DiagnosticsScope = { byNode: false },
  ) {
    this.pending = new PendingPods(client, now, (err) =>
      scope.logger?.warn({ error: errorText(err) }, "pods not read: why Jobs have not started goes unexplained"),
    );
    this.failed = new JobPods(client, (err) =>
      scope.logger?.warn({ error: errorText(err) }, "pods not read: failed hooks are reported without their exit code"),
    );
  }

  /**
   * The pods of a failed Job (for the exit code) or of one whose pod has not started (for the reason).
   * Neither is a LIST of its own: pending pods come from one list shared by every Job (see PendingPods),
   * and failed Jobs asking together share one list (see JobPods).
   */
  async pods(job: Job): Promise<Pod[]> {
    const uid = job.metadata?.uid;
    const namespace = job.metadata?.namespace ?? "";
    if (!uid) return [];
    if (jobFailed(job)) return this.failed.of(namespace, uid);
    if (!notStarted(job, this.now())) {
      this.explained.delete(uid);
      return [];
    }
    if ((job.status?.active ?? 0) === 0) return [];
    return this.remembered(job, uid, "pods", () => this.pending.of(namespace, this.selector(job), uid));
  }

  /** `read`'s answer for `job`, read at most once per stage of its wait. */
  private async remembered<K extends "pods" | "events">(
    job: Job,
    uid: string,
    kind: K,
    read: () => Promise<NonNullable<Explanation[K]>>,
  ): Promise<NonNullable<Explanation[K]>> {
    const stage = ageMs(job, this.now()) < LAST_RECHECK_AGE_MS ? 1 : 2;
    const known = this.explained.get(uid);
    const kept = known?.stage === stage ? known[kind] : undefined;
    if (kept) return kept;
    const answer = await read();
    const entry: Explanation = known?.stage === stage ? known : { stage };
    entry[kind] = answer;
    this.explained.delete(uid);
    this.explained.set(uid, entry);
    // The oldest first: a Map iterates in insertion order.
    for (const old of this.explained.keys()) {
      if (this.explained.size <= EXPLAINED_MAX) break;
      this.explained.delete(old);
    }
    return answer;
  }

  /** The label selector of the pending-pod list that holds `job`'s pod. */
  private selector(job: Job): string {
    const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
    const node = job.metadata?.labels?.[LABEL_NODE];
    return this.scope.byNode && node ? `${managed},${LABEL_NODE}=${node}` : managed;
  }

  /**
   * FailedCreate Events of a Job without pods, from a list shared by all Jobs of the namespace. A list
   * that fails answers "no Events" until the next one is due, as the pending pods do.
   */
  async createFailures(job: Job): Promise<CoreV1Event[]> {
    const uid = job.metadata?.uid;
    if (!uid || !notStarted(job, this.now()) || (job.status?.active ?? 0) > 0) return [];
    return this.remembered(job, uid, "events", () => this.namespaceFailures(job.metadata?.namespace ?? "", uid));
  }

  private async namespaceFailures(namespace: string, uid: string): Promise<CoreV1Event[]> {
    let cached = this.events.get(namespace);
    if (!cached || this.now().getTime() - cached.at > EVENTS_TTL_MS) {
      const list = this.client.listEvents(namespace, "involvedObject.kind=Job,reason=FailedCreate").catch((err: unknown) => {
        this.scope.logger?.warn({ error: errorText(err) }, "events not read: why Jobs have not started goes unexplained");
        return [];
      });
      cached = { at: this.now().getTime(), list };
      this.events.set(namespace, cached);
    }
    const all = await cached.list;
    return all.filter((event) => event.involvedObject?.uid === uid);
  }
}
