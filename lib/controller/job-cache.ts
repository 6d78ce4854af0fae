// The controller's view of its Jobs, fed by the Job watch and trimmed to what it reads; deleted Jobs are kept a while as last seen.

import { keyOf } from "../core/names.ts";
import { controllerRef } from "../core/ownership.ts";
import type { Job } from "../core/types.ts";
import type { ObjectChange } from "../kube/client.ts";
import { trimJob } from "./cache-trim.ts";

export class JobCache {
  private readonly live = new Map<string, Job>();
  /** So a Job removed right after finishing (ttlSecondsAfterFinished: 0) still tells how it ended. */
  private readonly deleted = new Map<string, { job: Job; at: number }>();

  get(key: string): Job | undefined {
    return this.live.get(key);
  }

  /** A Job that was deleted, as last seen. */
  gone(key: string): Job | undefined {
    return this.deleted.get(key)?.job;
  }

  set(key: string, job: Job): void {
    this.live.set(key, trimJob(job));
    this.deleted.delete(key);
  }

  /** Forgets a deleted Job, keeping it as last seen; returns that. */
  remove(key: string, seen: Job): Job {
    // A DELETED made up after a relist carries only a name: the cache knows the rest.
    const job = this.live.get(key) ?? trimJob(seen);
    this.live.delete(key);
    this.deleted.set(key, { job, at: Date.now() });
    return job;
  }

  /** Applies one change the Job watch delivered; returns the key of the hook that controls the Job, if any. */
  apply(event: ObjectChange<Job>): string | undefined {
    const key = keyOf(event.object);
    const job = event.type === "DELETED" ? this.remove(key, event.object) : event.object;
    if (event.type !== "DELETED") this.set(key, job);
    const owner = controllerRef(job);
    return owner && `${job.metadata?.namespace}/${owner.name}`;
  }

  /** Drops deleted Jobs kept longer than `ms`: by then every hook that needed them has been reconciled. */
  prune(ms: number): void {
    for (const [key, gone] of this.deleted) if (Date.now() - gone.at > ms) this.deleted.delete(key);
  }
}
