// Pods of many hook Jobs from few LISTs: one shared list of pending pods, and batched lists for failed Jobs.

import { LABEL_HOSTNAME } from "../constants.ts";
import { LABEL_JOB_CONTROLLER_UID } from "../core/pods.ts";
import type { Pod } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";

/** @internal How long one list of pending pods answers every Job that asks; also the most often it is made. */
export const PENDING_TTL_MS = 15_000;
/** @internal At most this many Job UIDs in one label selector: about 2 KB of URL. */
export const BATCH_MAX = 50;

type Index = Map<string, Pod[]>;
type Waiter = ReturnType<typeof Promise.withResolvers<Pod[]>>;

/**
 * Only what explanations read (name, age, Job UID, the node it is pinned to, phase, conditions,
 * container states): a pod's spec is most of it.
 */
function explainable(pod: Pod): Pod {
  const { name, namespace, creationTimestamp, labels } = pod.metadata ?? {};
  const uid = labels?.[LABEL_JOB_CONTROLLER_UID];
  const pinned = pod.spec?.nodeSelector?.[LABEL_HOSTNAME];
  const { phase, conditions, containerStatuses } = pod.status ?? {};
  return {
    metadata: { name, namespace, creationTimestamp, ...(uid && { labels: { [LABEL_JOB_CONTROLLER_UID]: uid } }) },
    ...(pinned && { spec: { containers: [], nodeSelector: { [LABEL_HOSTNAME]: pinned } } }),
    status: { phase, conditions, containerStatuses },
  };
}

/** Pods by the UID of the Job that made them. */
function byJob(pods: readonly Pod[]): Index {
  const index: Index = new Map();
  for (const pod of pods) {
    const uid = pod.metadata?.labels?.[LABEL_JOB_CONTROLLER_UID];
    if (uid) index.set(uid, [...(index.get(uid) ?? []), explainable(pod)]);
  }
  return index;
}

/**
 * The pending pods of the controller's Jobs, from one LIST per selector (namespace, and node in node
 * mode) shared by every Job that asks within PENDING_TTL_MS, served from the API server's watch cache.
 * A list that fails answers "no pods" until the next one is due: an explanation is worth less than
 * the status write it would hold up, and a failing API server is not asked again sooner.
 */
export class PendingPods {
  private readonly lists = new Map<string, { at: number; index: Promise<Index> }>();

  constructor(
    private readonly client: Pick<KubeClient, "listPods">,
    private readonly now: () => Date,
    private readonly onError: (err: unknown) => void,
  ) {}

  async of(namespace: string, labelSelector: string, uid: string): Promise<Pod[]> {
    const key = `${namespace}/${labelSelector}`;
    const now = this.now().getTime();
    let list = this.lists.get(key);
    if (!list || now - list.at >= PENDING_TTL_MS) {
      for (const [other, { at }] of this.lists) if (now - at >= PENDING_TTL_MS) this.lists.delete(other);
      const pods = this.client.listPods(namespace, labelSelector, { fieldSelector: "status.phase=Pending", fromCache: true });
      list = {
        at: now,
        index: pods.then(byJob, (err: unknown) => {
          this.onError(err);
          return new Map();
        }),
      };
      this.lists.set(key, list);
    }
    return (await list.index).get(uid) ?? [];
  }
}

/**
 * The pods of given Jobs (a failed Job's, for its exit code), by a set-based selector on the Job UID:
 * Jobs that ask while a list is in flight share the next one, so a hundred hooks failing at once cost
 * a couple of LISTs, and one failing alone costs one. A list that fails answers "no pods" to the Jobs
 * that asked: the outcome is written without the exit code rather than held back.
 */
export class JobPods {
  private readonly waiting = new Map<string, Map<string, Waiter>>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly client: Pick<KubeClient, "listPods">,
    private readonly onError: (err: unknown) => void,
  ) {}

  of(namespace: string, uid: string): Promise<Pod[]> {
    const batch = this.waiting.get(namespace) ?? new Map<string, Waiter>();
    this.waiting.set(namespace, batch);
    const waiter = batch.get(uid) ?? Promise.withResolvers<Pod[]>();
    batch.set(uid, waiter);
    // Asks made in the same turn of the event loop join this one.
    queueMicrotask(() => void this.flush(namespace));
    return waiter.promise;
  }

  private async flush(namespace: string): Promise<void> {
    const batch = this.waiting.get(namespace);
    if (this.busy.has(namespace) || !batch?.size) return;
    const taken = [...batch].slice(0, BATCH_MAX);
    for (const [uid] of taken) batch.delete(uid);
    this.busy.add(namespace);
    try {
      const selector = `${LABEL_JOB_CONTROLLER_UID} in (${taken.map(([uid]) => uid).join(",")})`;
      const index = byJob(await this.client.listPods(namespace, selector));
      for (const [uid, waiter] of taken) waiter.resolve(index.get(uid) ?? []);
    } catch (err) {
      this.onError(err);
      for (const [, waiter] of taken) waiter.resolve([]);
    } finally {
      this.busy.delete(namespace);
      if (batch.size === 0) this.waiting.delete(namespace);
      else void this.flush(namespace);
    }
  }
}
