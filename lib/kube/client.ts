// The KubeClient interface: everything the controller asks of Kubernetes, so tests can pass an in-memory one.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Job, Node, PlexdHook, PlexdHookStatus, Pod } from "../core/types.ts";

/** A change to one object. */
export type ObjectChange<T> = { type: "ADDED" | "MODIFIED" | "DELETED"; object: T };

/** An object change, or SYNCED once the stream has delivered a full list (initially and after each relist). */
export type WatchEvent<T> = ObjectChange<T> | { type: "SYNCED" };

export interface WatchScope {
  /** "" watches every namespace. */
  namespace: string;
  fieldSelector?: string;
  labelSelector?: string;
  signal: AbortSignal;
}

/**
 * A resilient event stream. The promise rejects when the first list or watch cannot be set up; after
 * that the stream recovers from errors by itself and ends when the scope's signal aborts (an in-memory
 * client may also end it).
 */
export type Watch<T> = Promise<AsyncIterable<WatchEvent<T>>>;

export interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** What the Lease holder needs to know of a Node. */
export interface NodeState {
  name: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** When the Ready condition last changed (ISO time), if known. */
  since?: string;
}

/** More of a pod list: a field selector (e.g. `status.phase=Pending`), and where it is read from. */
export interface PodListOptions {
  fieldSelector?: string;
  fromCache?: boolean;
}

/** What a repeat of an Event changes on it. */
export interface EventUpdate {
  count: number;
  lastTimestamp: CoreV1Event["lastTimestamp"];
  message: string;
}

/** A change to a Node the drain makes: its cordon, and annotations (null removes one). */
export interface NodePatch {
  /** The change is refused (409) unless the Node is still at this resourceVersion. */
  resourceVersion?: string;
  unschedulable?: boolean;
  annotations?: Record<string, string | null>;
}

/** The Eviction API's answer: the pod goes, was gone already, or may not go now (the API server's words why). */
export type Eviction = { outcome: "evicted" | "gone" } | { outcome: "refused"; why: string };

export interface KubeClient {
  watchHooks(scope: WatchScope): Watch<PlexdHook>;
  watchJobs(scope: WatchScope): Watch<Job>;
  /** One full list (all pages) of the hooks in `namespace` matching `fieldSelector`. */
  listHooks(namespace: string, fieldSelector?: string): Promise<PlexdHook[]>;
  /** Replaces the status through the status subresource; 409 if `hook`'s resourceVersion is stale. */
  updateHookStatus(hook: PlexdHook, status: PlexdHookStatus): Promise<PlexdHook>;
  /** Rejects with an ApiError whose reason is AlreadyExists when the name is taken. */
  createJob(job: Job): Promise<Job>;
  getJob(namespace: string, name: string): Promise<Job | undefined>;
  /** Removes JOB_FINALIZER from the Job, and nothing else; a Job already without it (or gone) is fine. */
  releaseJob(job: Job): Promise<void>;
  /** One list; `fromCache` reads the API server's watch cache (resourceVersion=0), not etcd. */
  listPods(namespace: string, labelSelector: string, options?: PodListOptions): Promise<Pod[]>;
  /** The end of a container's log, as text: its last `tailLines` lines, at most `limitBytes` of them. */
  podLog(namespace: string, pod: string, container: string, limits: { tailLines: number; limitBytes: number }): Promise<string>;
  createEvent(event: CoreV1Event): Promise<void>;
  /** Updates an Event this client created: its count, lastTimestamp and message (a repeat of it). */
  patchEvent(namespace: string, name: string, update: EventUpdate): Promise<void>;
  /** Events in `namespace` matching `fieldSelector` (e.g. a Job's FailedCreate). */
  listEvents(namespace: string, fieldSelector: string): Promise<CoreV1Event[]>;
  /** Every Node, with only its readiness. */
  listNodes(): Promise<NodeState[]>;
  /** Every Node (the scope's namespace is ignored: Nodes are cluster-wide). */
  watchNodes(scope: WatchScope): Watch<Node>;
  /** Pods in the scope's namespace, e.g. the node agents' (by label). */
  watchPods(scope: WatchScope): Watch<Pod>;
  /** Every pod bound to `node`, in every namespace (fieldSelector spec.nodeName), as of now. */
  listNodePods(node: string): Promise<Pod[]>;
  /** Merge-patches a Node (the drain's cordon and annotation only). */
  patchNode(name: string, patch: NodePatch): Promise<Node>;
  /**
   * Evicts a pod through the Eviction API, so PodDisruptionBudgets hold. A refusal (429 from a budget,
   * 500 when several budgets match, 403) is an answer; anything else that fails throws.
   */
  evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<Eviction>;
  /** Replaces the hook's finalizers, guarded by its resourceVersion (409 when stale); returns the hook. */
  setHookFinalizers(hook: PlexdHook, finalizers: string[]): Promise<PlexdHook>;
  getLease(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined>;
  /** The one Lease `name`, as a watch (selected by metadata.name, which RBAC's resourceNames allows). */
  watchLease(namespace: string, name: string, signal: AbortSignal): Watch<Lease>;
  /** Creates when `lease.metadata.resourceVersion` is unset, else replaces it (409 when stale). */
  putLease(lease: Lease, signal?: AbortSignal): Promise<Lease>;
}
