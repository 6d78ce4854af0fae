// Why a hook's Job has not started: its pods (scheduling, image pulls, exit codes) and its FailedCreate Events.
//
// Both are matched by the Job's UID, never its name: a hook deleted and created again under the same
// name gets a Job of the same name, and must not inherit the old Job's exit code or events.

import type { CoreV1Event } from "@kubernetes/client-node";
import { jobFailed, jobFinished } from "../core/job-state.ts";
import type { Job, Pod } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";

/** A Job usually has a running pod within this long; only past it is the question worth an API call. */
export const START_GRACE_MS = 10_000;
/** One namespace-wide list of FailedCreate Events serves every Job for this long. */
const EVENTS_TTL_MS = 10_000;
/** The label the Job controller puts on every pod of a Job: the Job's UID. */
export const LABEL_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";

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

/** A Job that should have a running pod by now and has none. */
export function notStarted(job: Job, now: Date): boolean {
  return !jobFinished(job) && (job.status?.ready ?? 0) === 0 && !job.status?.succeeded && ageMs(job, now) > START_GRACE_MS;
}

/** A Job that has not started has its pods read at most this often; the answer is reused meanwhile. */
const PODS_TTL_MS = 60_000;
/** Pod lists for Jobs that have not started, across all Jobs: a congested cluster is not asked more. */
const PODS_PER_SECOND = 2;
const PODS_BURST = 10;

export class Diagnostics {
  private readonly events = new Map<string, { at: number; list: Promise<CoreV1Event[]> }>();
  private readonly podLists = new Map<string, { at: number; pods: Pod[] }>();
  private tokens = PODS_BURST;
  private tokensAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date,
  ) {}

  /**
   * The pods of a failed Job (for the exit code, read once) or of one that has not started (for the
   * reason: within a global budget, and not more than once a minute per Job).
   */
  async pods(job: Job): Promise<Pod[]> {
    const uid = job.metadata?.uid;
    const key = `${job.metadata?.namespace}/${job.metadata?.name}`;
    const failed = jobFailed(job);
    if (!uid || (!failed && !(notStarted(job, this.now()) && (job.status?.active ?? 0) > 0))) {
      this.podLists.delete(key);
      return [];
    }
    const now = this.now().getTime();
    const last = this.podLists.get(key);
    if (!failed && last && (now - last.at < PODS_TTL_MS || !this.take(now))) return last.pods;
    if (!failed && !last && !this.take(now)) return [];
    const pods = await this.client.listPods(job.metadata?.namespace ?? "", `${LABEL_CONTROLLER_UID}=${uid}`);
    if (failed) this.podLists.delete(key);
    else this.podLists.set(key, { at: now, pods });
    return pods;
  }

  /** Takes one pod list from the budget (a token bucket), or says there is none left. */
  private take(now: number): boolean {
    this.tokens = Math.min(PODS_BURST, this.tokens + ((now - this.tokensAt) / 1000) * PODS_PER_SECOND);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** FailedCreate Events of a Job without pods, from a list shared by all Jobs of the namespace. */
  async createFailures(job: Job): Promise<CoreV1Event[]> {
    const uid = job.metadata?.uid;
    if (!uid || !notStarted(job, this.now()) || (job.status?.active ?? 0) > 0) return [];
    const namespace = job.metadata?.namespace ?? "";
    let cached = this.events.get(namespace);
    if (!cached || this.now().getTime() - cached.at > EVENTS_TTL_MS) {
      const list = this.client.listEvents(namespace, "involvedObject.kind=Job,reason=FailedCreate");
      cached = { at: this.now().getTime(), list };
      this.events.set(namespace, cached);
      list.catch(() => this.events.delete(namespace));
    }
    const all = await cached.list;
    return all.filter((event) => event.involvedObject?.uid === uid);
  }
}
