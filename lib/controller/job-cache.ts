// The Job informer's cache, trimmed to what reconcile reads; deleted Jobs are kept a while as last seen.

import { keyOf } from "../core/names.ts";
import { controllerRef } from "../core/ownership.ts";
import type { Job } from "../core/types.ts";
import type { ObjectChange } from "../kube/client.ts";
import { trimJob } from "./cache-trim.ts";

/** The read-only view of the Job cache that the reconciler is given: never mutate what it returns. */
export interface JobLister {
  get(key: string): Job | undefined;
  /** A Job that was deleted, as last seen. */
  getDeleted(key: string): Job | undefined;
}

export class JobCache implements JobLister {
  private readonly live = new Map<string, Job>();
  /** So a Job removed right after finishing (ttlSecondsAfterFinished: 0) still tells how it ended. */
  private readonly deleted = new Map<string, { job: Job; at: number }>();

  get(key: string): Job | undefined {
    return this.live.get(key);
  }

  getDeleted(key: string): Job | undefined {
    return this.deleted.get(key)?.job;
  }

  /** Takes in one change the Job watch delivered; returns the key of the hook that controls the Job, if any. */
  storeEvent(event: ObjectChange<Job>): string | undefined {
    const key = keyOf(event.object);
    let job: Job;
    if (event.type === "DELETED") {
      // A DELETED made up after a relist carries only a name: the cache knows the rest.
      job = this.live.get(key) ?? trimJob(event.object);
      this.live.delete(key);
      this.deleted.set(key, { job, at: Date.now() });
    } else {
      job = trimJob(event.object);
      this.live.set(key, job);
      this.deleted.delete(key);
    }
    const owner = controllerRef(job);
    return owner && `${job.metadata?.namespace}/${owner.name}`;
  }

  /** Drops deleted Jobs kept longer than `ms`: by then every hook that needed them has been reconciled. */
  pruneDeleted(ms: number): void {
    for (const [key, gone] of this.deleted) if (Date.now() - gone.at > ms) this.deleted.delete(key);
  }
}
