// What the caches keep of a Job or a hook: only the fields the controller reads (cache-trim.test.ts proves which).

import { JOB_FINALIZER, LABEL_HOOK_NAME, LABEL_HOSTNAME, LABEL_MANAGED_BY, LABEL_NODE } from "../constants.ts";
import { controllerRef } from "../core/ownership.ts";
import type { Job, PlexdHook } from "../core/types.ts";

type JobPodSpec = NonNullable<Job["spec"]>["template"]["spec"];

/** The Job labels plexd-hook sets (the Job controller's own, with the uid and name again, are dropped). */
const KEPT_LABELS = [LABEL_MANAGED_BY, LABEL_HOOK_NAME, LABEL_NODE];

/**
 * A Job as the controller reads it: its identity, plexd's labels, its controller owner reference, the
 * node it is pinned to, and its status counts and true conditions. The rest (the pod template, selector, labels) is most of
 * a Job's size and is read by no one: with 10,000 Jobs cached it was the bulk of the operator's memory.
 */
export function trimJob(job: Job): Job {
  const { name, namespace, uid, resourceVersion, creationTimestamp, deletionTimestamp, labels } = job.metadata ?? {};
  const kept = KEPT_LABELS.filter((key) => labels?.[key] !== undefined).map((key) => [key, labels?.[key] as string]);
  const owner = controllerRef(job);
  const node = job.spec?.template?.spec?.nodeSelector?.[LABEL_HOSTNAME];
  const status = job.status;
  return {
    metadata: {
      name,
      namespace,
      uid,
      resourceVersion,
      creationTimestamp,
      ...(deletionTimestamp && { deletionTimestamp }),
      // All of them while ours is there: releasing it patches by its index in the list.
      ...(job.metadata?.finalizers?.includes(JOB_FINALIZER) && { finalizers: [...job.metadata.finalizers] }),
      ...(kept.length > 0 && { labels: Object.fromEntries(kept) }),
      ...(owner && { ownerReferences: [owner] }),
    },
    ...(node && {
      // Only the hostname selector; the pod spec's required fields are never read from a cached Job.
      spec: { template: { spec: { nodeSelector: { [LABEL_HOSTNAME]: node } } as unknown as JobPodSpec } },
    }),
    ...(status && {
      status: {
        active: status.active,
        ready: status.ready,
        succeeded: status.succeeded,
        failed: status.failed,
        completionTime: status.completionTime,
        conditions: status.conditions
          ?.filter((c) => c.status === "True")
          .map(({ type, status, reason, message, lastTransitionTime }) => ({
            type,
            status,
            reason,
            message,
            lastTransitionTime,
          })),
      },
    }),
  };
}

/** A hook as the controller reads it: all of spec (buildJob) and status, and the metadata it names. */
export function trimHook(hook: PlexdHook): PlexdHook {
  const { name, namespace, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp } = hook.metadata;
  return {
    ...hook,
    metadata: {
      name,
      namespace,
      uid,
      resourceVersion,
      generation,
      creationTimestamp,
      ...(deletionTimestamp && { deletionTimestamp }),
    },
  };
}
