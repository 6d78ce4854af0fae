// Why a hook's Job has not started: its pods (scheduling, image pulls, exit codes) and its FailedCreate Events.

import type { CoreV1Event } from "@kubernetes/client-node";
import { jobFailed, jobFinished } from "../core/job-state.ts";
import type { Job, Pod } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";

/** A Job usually has a running pod within this long; only past it is the question worth an API call. */
export const START_GRACE_MS = 10_000;
/** One namespace-wide list of FailedCreate Events serves every Job for this long. */
const EVENTS_TTL_MS = 10_000;

function ageMs(job: Job, now: Date): number {
  const created = job.metadata?.creationTimestamp;
  return created === undefined ? 0 : now.getTime() - new Date(created).getTime();
}

/**
 * How soon to look again at a Job that has not started: not before its start grace is over (most
 * Jobs have started by then and need no second look), then half its age, at most 2 minutes.
 */
export function recheckMs(job: Job, now: Date): number {
  const age = ageMs(job, now);
  return Math.max(START_GRACE_MS + 1_000 - age, Math.min(120_000, Math.max(5_000, Math.round(age / 2))));
}

/** A Job that should have a running pod by now and has none. */
export function notStarted(job: Job, now: Date): boolean {
  return !jobFinished(job) && (job.status?.ready ?? 0) === 0 && !job.status?.succeeded && ageMs(job, now) > START_GRACE_MS;
}

export class Diagnostics {
  private readonly events = new Map<string, { at: number; list: Promise<CoreV1Event[]> }>();

  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date,
  ) {}

  /** The pods of a failed Job (for the exit code) or of one that has not started (for the reason). */
  async pods(job: Job): Promise<Pod[]> {
    const name = job.metadata?.name ?? "";
    if (!jobFailed(job) && !(notStarted(job, this.now()) && (job.status?.active ?? 0) > 0)) return [];
    return this.client.listPods(job.metadata?.namespace ?? "", `batch.kubernetes.io/job-name=${name}`);
  }

  /** FailedCreate Events of a Job without pods, from a list shared by all Jobs of the namespace. */
  async createFailures(job: Job): Promise<CoreV1Event[]> {
    if (!notStarted(job, this.now()) || (job.status?.active ?? 0) > 0) return [];
    const namespace = job.metadata?.namespace ?? "";
    let cached = this.events.get(namespace);
    if (!cached || this.now().getTime() - cached.at > EVENTS_TTL_MS) {
      const list = this.client.listEvents(namespace, "involvedObject.kind=Job,reason=FailedCreate");
      cached = { at: this.now().getTime(), list };
      this.events.set(namespace, cached);
      list.catch(() => this.events.delete(namespace));
    }
    const all = await cached.list;
    return all.filter((event) => event.involvedObject?.name === job.metadata?.name);
  }
}
