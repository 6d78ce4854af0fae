// The real KubeClient: our Rest layer for requests and watches, with the credentials of a kubeconfig context.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { JOB_FINALIZER } from "../constants.ts";
import type { Job, Node, PlexdHook, PlexdHookStatus, Pod } from "../core/types.ts";
import type {
  EventUpdate,
  Eviction,
  KubeClient,
  Lease,
  NodePatch,
  NodeState,
  PodListOptions,
  Watch,
  WatchScope,
} from "./client.ts";
import { ApiError, isForbidden, isNotFound, unlessNotFound } from "./errors.ts";
import type { ClusterAccess } from "./kubeconfig.ts";
import { type ListPage, type ListWatchSource, listAll, listWatch, type RawEvent } from "./list-watch.ts";
import { hooksPath, jobsPath } from "./paths.ts";
import { type Query, Rest } from "./rest.ts";

export interface NodeClientOptions {
  logger: Logger;
  onWatchRestart?: (resource: string, reason: string) => void;
  watchTimeoutSeconds?: number;
  /** How long the first list waits for an API server that does not answer; see list-watch.ts. */
  unreachableRetryMs?: number;
}

/**
 * Reading a finished container's log tail (at most 100 lines) takes a moment; a kubelet that does not
 * answer is given up on soon, since the read holds up a reconcile worker (see controller/output.ts).
 */
const LOG_TIMEOUT_MS = 5_000;

export class NodeKubeClient implements KubeClient {
  readonly rest: Rest;
  private readonly options: NodeClientOptions;

  constructor(config: ClusterAccess, options: NodeClientOptions) {
    this.rest = new Rest(config);
    this.options = options;
  }

  /** One page of a list at `path`; listAll and listWatch turn the page into the whole. */
  private lister<T>(path: string, selectors: Query): Pick<ListWatchSource<T>, "list"> {
    return {
      list: ({ limit, continue: token, signal }) =>
        this.rest.request<ListPage<T>>("GET", path, { query: { ...selectors, limit, continue: token }, signal }),
    };
  }

  /** A list-watch of the objects at `path` (a collection), with the scope's selectors. */
  watchPath<T extends { metadata?: { name?: string } }>(resource: string, path: string, scope: WatchScope): Watch<T> {
    const { rest } = this;
    const selectors = { fieldSelector: scope.fieldSelector, labelSelector: scope.labelSelector };
    return listWatch<T>(
      {
        ...this.lister<T>(path, selectors),
        watch: ({ resourceVersion, timeoutSeconds, signal }) =>
          rest.stream<RawEvent<T>>(path, {
            query: { ...selectors, watch: true, allowWatchBookmarks: true, resourceVersion, timeoutSeconds },
            signal,
          }),
      },
      {
        signal: scope.signal,
        logger: this.options.logger.child({ resource }),
        onRestart: (reason) => this.options.onWatchRestart?.(resource, reason),
        watchTimeoutSeconds: this.options.watchTimeoutSeconds,
        initialUnreachableRetryMs: this.options.unreachableRetryMs,
      },
    );
  }

  watchHooks(scope: WatchScope): Watch<PlexdHook> {
    return this.watchPath<PlexdHook>("plexdhooks", hooksPath(scope.namespace), scope);
  }

  watchJobs(scope: WatchScope): Watch<Job> {
    return this.watchPath<Job>("jobs", jobsPath(scope.namespace), scope);
  }

  async listHooks(namespace: string, fieldSelector?: string): Promise<PlexdHook[]> {
    return (await listAll(this.lister<PlexdHook>(hooksPath(namespace), { fieldSelector }), 500)).items;
  }

  updateHookStatus(hook: PlexdHook, status: PlexdHookStatus): Promise<PlexdHook> {
    const { name, namespace, resourceVersion } = hook.metadata;
    // A merge patch carrying the resourceVersion: the server refuses it with 409 if we acted on stale data.
    // In a merge patch a missing key means "unchanged", so keys the new status drops are sent as null.
    const removed = Object.fromEntries(Object.keys(hook.status ?? {}).map((key) => [key, null]));
    return this.rest.request<PlexdHook>("PATCH", `${hooksPath(namespace)}/${name}/status`, {
      body: { metadata: { resourceVersion }, status: { ...removed, ...status } },
      contentType: "application/merge-patch+json",
    });
  }

  createJob(job: Job): Promise<Job> {
    return this.rest.request<Job>("POST", jobsPath(job.metadata?.namespace ?? ""), { body: job });
  }

  async getJob(namespace: string, name: string): Promise<Job | undefined> {
    return unlessNotFound(this.rest.request<Job>("GET", `${jobsPath(namespace)}/${name}`));
  }

  async releaseJob(job: Job): Promise<void> {
    const { name, namespace, finalizers } = job.metadata ?? {};
    const at = finalizers?.indexOf(JOB_FINALIZER) ?? -1;
    if (at < 0) return;
    // A JSON patch that tests the entry it removes: a list changed meanwhile refuses it (422) instead of
    // removing another finalizer; the caller looks again.
    const path = `/metadata/finalizers/${at}`;
    await unlessNotFound(
      this.rest.request("PATCH", `${jobsPath(namespace ?? "")}/${name}`, {
        body: [
          { op: "test", path, value: JOB_FINALIZER },
          { op: "remove", path },
        ],
        contentType: "application/json-patch+json",
      }),
    );
  }

  async listPods(namespace: string, labelSelector: string, options: PodListOptions = {}): Promise<Pod[]> {
    const { fieldSelector, fromCache } = options;
    const list = await this.rest.request<{ items: Pod[] }>("GET", `/api/v1/namespaces/${namespace}/pods`, {
      query: { labelSelector, fieldSelector, resourceVersion: fromCache ? "0" : undefined },
    });
    return list.items;
  }

  async podLog(
    namespace: string,
    pod: string,
    container: string,
    limits: { tailLines: number; limitBytes: number },
  ): Promise<string> {
    let text = "";
    const chunks = this.rest.text(`/api/v1/namespaces/${namespace}/pods/${pod}/log`, {
      query: { container, ...limits },
      signal: AbortSignal.timeout(LOG_TIMEOUT_MS),
    });
    for await (const chunk of chunks) text += chunk;
    return text;
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    await this.rest.send("POST", `/api/v1/namespaces/${event.metadata.namespace}/events`, { body: event });
  }

  async patchEvent(namespace: string, name: string, update: EventUpdate): Promise<void> {
    await this.rest.send("PATCH", `/api/v1/namespaces/${namespace}/events/${name}`, {
      body: update,
      contentType: "application/merge-patch+json",
    });
  }

  async listEvents(namespace: string, fieldSelector: string): Promise<CoreV1Event[]> {
    const list = await this.rest.request<{ items: CoreV1Event[] }>("GET", `/api/v1/namespaces/${namespace}/events`, {
      query: { fieldSelector },
    });
    return list.items;
  }

  async listNodes(): Promise<NodeState[]> {
    type Node = {
      metadata: { name: string };
      status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
    };
    // resourceVersion=0: served from the API server's cache, never from etcd.
    const list = await this.rest.request<{ items: Node[] }>("GET", "/api/v1/nodes", { query: { resourceVersion: "0" } });
    return list.items.map((node) => {
      const ready = node.status?.conditions?.find((c) => c.type === "Ready");
      return { name: node.metadata.name, ready: ready?.status === "True", since: ready?.lastTransitionTime };
    });
  }

  watchNodes(scope: WatchScope): Watch<Node> {
    return this.watchPath<Node>("nodes", "/api/v1/nodes", scope);
  }

  watchPods(scope: WatchScope): Watch<Pod> {
    return this.watchPath<Pod>("pods", `/api/v1/namespaces/${scope.namespace}/pods`, scope);
  }

  async listNodePods(node: string): Promise<Pod[]> {
    // A consistent read (no resourceVersion), so a pod just evicted is not seen as still running; the
    // API server serves it from its watch cache, indexed by spec.nodeName, since consistent reads from
    // cache came to be (Kubernetes 1.31).
    const list = await this.rest.request<{ items: Pod[] }>("GET", "/api/v1/pods", {
      query: { fieldSelector: `spec.nodeName=${node}` },
    });
    return list.items;
  }

  patchNode(name: string, patch: NodePatch): Promise<Node> {
    const { resourceVersion, unschedulable, annotations } = patch;
    return this.rest.request<Node>("PATCH", `/api/v1/nodes/${name}`, {
      body: {
        metadata: { ...(resourceVersion && { resourceVersion }), ...(annotations && { annotations }) },
        ...(unschedulable !== undefined && { spec: { unschedulable } }),
      },
      contentType: "application/merge-patch+json",
    });
  }

  async evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<Eviction> {
    const body = {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name, namespace },
      ...(gracePeriodSeconds !== undefined && { deleteOptions: { gracePeriodSeconds } }),
    };
    try {
      await this.rest.send("POST", `/api/v1/namespaces/${namespace}/pods/${name}/eviction`, { body });
      return { outcome: "evicted" };
    } catch (err) {
      if (isNotFound(err)) return { outcome: "gone" };
      const why = evictionRefusal(err);
      if (why !== undefined) return { outcome: "refused", why };
      throw err;
    }
  }

  setHookFinalizers(hook: PlexdHook, finalizers: string[]): Promise<PlexdHook> {
    const { name, namespace, resourceVersion } = hook.metadata;
    return this.rest.request<PlexdHook>("PATCH", `${hooksPath(namespace)}/${name}`, {
      body: { metadata: { resourceVersion, finalizers } },
      contentType: "application/merge-patch+json",
    });
  }

  watchLease(namespace: string, name: string, signal: AbortSignal): Watch<Lease> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
    return this.watchPath<Lease>("leases", path, { namespace, fieldSelector: `metadata.name=${name}`, signal });
  }

  async getLease(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined> {
    return unlessNotFound(
      this.rest.request<Lease>("GET", `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`, { signal }),
    );
  }

  putLease(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    const { namespace, name, resourceVersion } = lease.metadata;
    const base = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
    const body = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...lease };
    return resourceVersion
      ? this.rest.request<Lease>("PUT", `${base}/${name}`, { body, signal })
      : this.rest.request<Lease>("POST", base, { body, signal });
  }
}

/**
 * Why an eviction was refused, in the API server's words, or undefined when the error is not a refusal.
 * A budget's 429 names it in a DisruptionBudget cause; APF's 429 (load shedding) has none and is retried.
 */
function evictionRefusal(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const budget = err.causes.find((c) => c.reason === "DisruptionBudget")?.message;
  if (err.statusCode === 429 && budget) return budget;
  if (err.statusCode === 429 && /disruption budget/i.test(err.message)) return stripRequest(err.message);
  // "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
  if (err.statusCode === 500 && /PodDisruptionBudget/.test(err.message)) return stripRequest(err.message);
  if (isForbidden(err)) return stripRequest(err.message);
  return undefined;
}

/** An ApiError's message without the "POST /path: " it starts with. */
const stripRequest = (message: string): string => message.replace(/^[A-Z]+ \S+: /, "");
