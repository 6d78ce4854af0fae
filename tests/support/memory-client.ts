// An in-memory KubeClient for unit tests of the controller logic: objects, watches with selectors, injected faults.

import type { CoreV1Event } from "@kubernetes/client-node";
import { JOB_FINALIZER } from "../../lib/constants.ts";
import { keyOf } from "../../lib/core/names.ts";
import type { Job, Node, PlexdHook, PlexdHookStatus, Pod } from "../../lib/core/types.ts";
import type {
  EventUpdate,
  Eviction,
  KubeClient,
  Lease,
  NodePatch,
  NodeState,
  PodListOptions,
  WatchEvent,
  WatchScope,
} from "../../lib/kube/client.ts";
import { ApiError } from "../../lib/kube/errors.ts";

type Obj = { metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> } };

function fieldValue(object: unknown, path: string): string {
  let value: unknown = object;
  for (const part of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  return value === undefined || value === null ? "" : String(value);
}

/** A label selector's terms: commas inside `in (…)` do not separate terms. */
const labelTerms = (selector: string): string[] => selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];

/** Selectors as the controller uses them: fields `a.b=x,c=`; labels `k=v,k2=v2` and `k in (a,b)`. */
function matches(object: Obj, scope: Omit<WatchScope, "signal">): boolean {
  if (scope.namespace && object.metadata?.namespace !== scope.namespace) return false;
  for (const term of (scope.fieldSelector ?? "").split(",").filter(Boolean)) {
    const [path, want = ""] = term.split("=");
    if (fieldValue(object, path as string) !== want) return false;
  }
  for (const term of labelTerms(scope.labelSelector ?? "")) {
    const set = term.match(/^\s*(\S+) in \((.*)\)$/);
    const [label, wants] = set ? [set[1], (set[2] as string).split(",")] : [term.split("=")[0], [term.split("=")[1]]];
    if (!wants.includes(object.metadata?.labels?.[label as string] as string)) return false;
  }
  return true;
}

interface Watcher<T> {
  scope: WatchScope;
  push(event: WatchEvent<T> | undefined): void;
}

/** A stream that yields pushed events and ends when pushed `undefined` or its signal aborts. */
function channel<T>(signal: AbortSignal): { push(e: WatchEvent<T> | undefined): void; stream: AsyncIterable<WatchEvent<T>> } {
  const buffer: Array<WatchEvent<T> | undefined> = [];
  let wake: (() => void) | undefined;
  const push = (e: WatchEvent<T> | undefined): void => {
    buffer.push(e);
    wake?.();
  };
  signal.addEventListener("abort", () => push(undefined), { once: true });
  async function* stream(): AsyncGenerator<WatchEvent<T>> {
    for (;;) {
      while (buffer.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const next = buffer.shift();
      if (next === undefined) return;
      yield next;
    }
  }
  return { push, stream: stream() };
}

export class Kind<T extends Obj> {
  readonly objects = new Map<string, T>();
  readonly watchers = new Set<Watcher<T>>();

  constructor(private readonly nextVersion: () => string) {}

  put(object: T): T {
    const key = `${object.metadata?.namespace}/${object.metadata?.name}`;
    const before = this.objects.get(key);
    const stored = structuredClone(object);
    stored.metadata = { ...stored.metadata, resourceVersion: this.nextVersion() };
    this.objects.set(key, stored);
    for (const watcher of this.watchers) {
      const was = before !== undefined && matches(before, watcher.scope);
      const is = matches(stored, watcher.scope);
      if (is) watcher.push({ type: was ? "MODIFIED" : "ADDED", object: structuredClone(stored) });
      else if (was) watcher.push({ type: "DELETED", object: structuredClone(stored) });
    }
    return structuredClone(stored);
  }

  remove(key: string): void {
    const before = this.objects.get(key);
    if (!before) return;
    this.objects.delete(key);
    for (const watcher of this.watchers) {
      if (matches(before, watcher.scope)) watcher.push({ type: "DELETED", object: structuredClone(before) });
    }
  }

  watch(scope: WatchScope): AsyncIterable<WatchEvent<T>> {
    const { push, stream } = channel<T>(scope.signal);
    const watcher: Watcher<T> = { scope, push };
    for (const object of this.objects.values())
      if (matches(object, scope)) push({ type: "ADDED", object: structuredClone(object) });
    push({ type: "SYNCED" });
    this.watchers.add(watcher);
    scope.signal.addEventListener("abort", () => this.watchers.delete(watcher), { once: true });
    return stream;
  }

  end(): void {
    for (const watcher of this.watchers) watcher.push(undefined);
    this.watchers.clear();
  }
}

/** Faults to inject: each function may return an error to throw instead of doing the call. */
export interface Faults {
  watchHooks?: (scope: WatchScope) => Error | undefined;
  createJob?: (job: Job) => Error | undefined;
  updateHookStatus?: (hook: PlexdHook) => Error | undefined;
}

export class MemoryClient implements KubeClient {
  private version = 1;
  readonly hooks = new Kind<PlexdHook>(() => String(++this.version));
  readonly jobs = new Kind<Job>(() => String(++this.version));
  readonly pods: Pod[] = [];
  readonly events: CoreV1Event[] = [];
  readonly leases = new Kind<Lease>(() => String(++this.version));
  readonly calls = { createJob: 0, updateHookStatus: 0, watchHooks: [] as Array<Omit<WatchScope, "signal">> };
  /** Every request but watches and Events, in order: `createJob plexdhook-x`, `updateHookStatus x`, `listPods`. */
  readonly log: string[] = [];
  faults: Faults = {};

  /** Creates a hook as the API server would: uid, generation, resourceVersion, defaults. */
  addHook(
    name: string,
    spec: PlexdHook["spec"],
    extra: { namespace?: string; status?: PlexdHookStatus; created?: Date } = {},
  ): PlexdHook {
    const namespace = extra.namespace ?? "plexd-system";
    return this.hooks.put({
      apiVersion: "plexd.plexsphere.com/v1alpha1",
      kind: "PlexdHook",
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1, creationTimestamp: extra.created ?? new Date() },
      spec: { privileged: false, ...spec },
      ...(extra.status && { status: extra.status }),
    });
  }

  hook(name: string, namespace = "plexd-system"): PlexdHook | undefined {
    return this.hooks.objects.get(`${namespace}/${name}`);
  }

  job(name: string, namespace = "plexd-system"): Job | undefined {
    return this.jobs.objects.get(`${namespace}/${name}`);
  }

  /** Plays the Job controller: replaces the status of a Job. */
  setJobStatus(name: string, status: Job["status"], namespace = "plexd-system"): void {
    const job = this.job(name, namespace);
    if (!job) throw new Error(`no Job ${name}`);
    this.jobs.put({ ...job, status });
  }

  endStreams(): void {
    this.hooks.end();
    this.jobs.end();
  }

  async watchHooks(scope: WatchScope): Promise<AsyncIterable<WatchEvent<PlexdHook>>> {
    this.calls.watchHooks.push({ namespace: scope.namespace, fieldSelector: scope.fieldSelector });
    const fault = this.faults.watchHooks?.(scope);
    if (fault) throw fault;
    return this.hooks.watch(scope);
  }

  async watchJobs(scope: WatchScope): Promise<AsyncIterable<WatchEvent<Job>>> {
    return this.jobs.watch(scope);
  }

  async listHooks(namespace: string, fieldSelector?: string): Promise<PlexdHook[]> {
    this.log.push("listHooks");
    return [...this.hooks.objects.values()]
      .filter((hook) => matches(hook, { namespace, fieldSelector }))
      .map((hook) => structuredClone(hook));
  }

  async updateHookStatus(hook: PlexdHook, status: PlexdHookStatus): Promise<PlexdHook> {
    this.calls.updateHookStatus++;
    this.log.push(`updateHookStatus ${hook.metadata.name}`);
    const fault = this.faults.updateHookStatus?.(hook);
    if (fault) throw fault;
    const current = this.hook(hook.metadata.name, hook.metadata.namespace);
    if (!current) throw new ApiError("not found", 404, "NotFound");
    if (hook.metadata.resourceVersion && hook.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError("the object has been modified", 409, "Conflict");
    }
    return this.hooks.put({ ...current, status: structuredClone(status) });
  }

  async createJob(job: Job): Promise<Job> {
    this.calls.createJob++;
    this.log.push(`createJob ${job.metadata?.name}`);
    const fault = this.faults.createJob?.(job);
    if (fault) throw fault;
    if (this.job(job.metadata?.name ?? "", job.metadata?.namespace)) {
      throw new ApiError(`jobs.batch "${job.metadata?.name}" already exists`, 409, "AlreadyExists");
    }
    return this.jobs.put({ ...job, metadata: { ...job.metadata, uid: `uid-job-${job.metadata?.name}` } });
  }

  async releaseJob(job: Job): Promise<void> {
    this.log.push(`releaseJob ${job.metadata?.name}`);
    const stored = this.job(job.metadata?.name ?? "", job.metadata?.namespace);
    if (!stored?.metadata?.finalizers?.includes(JOB_FINALIZER)) return;
    const finalizers = stored.metadata.finalizers.filter((f) => f !== JOB_FINALIZER);
    // As the API server: a deleted object goes once its last finalizer does.
    if (stored.metadata.deletionTimestamp && finalizers.length === 0) this.jobs.remove(keyOf(stored));
    else this.jobs.put({ ...stored, metadata: { ...stored.metadata, finalizers } });
  }

  /** Plays a deletion (garbage collection, a TTL, a person): gone at once unless a finalizer holds it. */
  deleteJob(name: string, namespace = "plexd-system"): void {
    const job = this.job(name, namespace);
    if (!job) return;
    if (job.metadata?.finalizers?.length) this.jobs.put({ ...job, metadata: { ...job.metadata, deletionTimestamp: new Date() } });
    else this.jobs.remove(keyOf(job));
  }

  async getJob(namespace: string, name: string): Promise<Job | undefined> {
    this.log.push(`getJob ${name}`);
    const job = this.job(name, namespace);
    return job && structuredClone(job);
  }

  /** Every pod list's selectors, in order: `labelSelector` and `fieldSelector` joined by a space. */
  readonly podLists: string[] = [];

  async listPods(namespace: string, labelSelector: string, options: PodListOptions = {}): Promise<Pod[]> {
    this.log.push("listPods");
    this.podLists.push([labelSelector, options.fieldSelector].filter(Boolean).join(" "));
    const { fieldSelector } = options;
    return structuredClone(this.pods.filter((pod) => matches(pod as Obj, { namespace, labelSelector, fieldSelector })));
  }

  /** Container logs by `pod/container`, as the kubelet would serve them. */
  readonly logs = new Map<string, string>();

  async podLog(namespace: string, pod: string, container: string, limits: { tailLines: number }): Promise<string> {
    const log = this.logs.get(`${pod}/${container}`);
    if (log === undefined) throw new ApiError(`GET /api/v1/namespaces/${namespace}/pods/${pod}/log: not found`, 404, "NotFound");
    return `${log.split("\n").filter(Boolean).slice(-limits.tailLines).join("\n")}\n`;
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    this.eventRequests.push(`create ${event.metadata.name}`);
    if (this.events.some((e) => e.metadata.name === event.metadata.name)) {
      throw new ApiError(`events "${event.metadata.name}" already exists`, 409, "AlreadyExists");
    }
    this.events.push(structuredClone(event));
  }

  /** Every Event request, in order: `create <name>`, `patch <name>`. */
  readonly eventRequests: string[] = [];

  async patchEvent(namespace: string, name: string, update: EventUpdate): Promise<void> {
    this.eventRequests.push(`patch ${name}`);
    const event = this.events.find((e) => e.metadata.namespace === namespace && e.metadata.name === name);
    if (!event) throw new ApiError(`events "${name}" not found`, 404, "NotFound");
    Object.assign(event, structuredClone(update));
  }

  async listEvents(namespace: string, fieldSelector: string): Promise<CoreV1Event[]> {
    this.log.push("listEvents");
    return this.events.filter((event) => matches(event as Obj, { namespace, fieldSelector }));
  }

  /** The Nodes listNodes() answers with. */
  nodes: NodeState[] = [];

  async listNodes(): Promise<NodeState[]> {
    this.log.push("listNodes");
    return structuredClone(this.nodes);
  }

  /** The Nodes and pods watchNodes() and watchPods() serve (the fleet controller's informers). */
  readonly nodeObjects = new Kind<Node>(() => String(++this.version));
  readonly podObjects = new Kind<Pod>(() => String(++this.version));

  async watchNodes(scope: WatchScope): Promise<AsyncIterable<WatchEvent<Node>>> {
    return this.nodeObjects.watch({ ...scope, namespace: "" });
  }

  async watchPods(scope: WatchScope): Promise<AsyncIterable<WatchEvent<Pod>>> {
    return this.podObjects.watch(scope);
  }

  async listNodePods(node: string): Promise<Pod[]> {
    this.log.push(`listNodePods ${node}`);
    return [...this.podObjects.objects.values()].filter((pod) => pod.spec?.nodeName === node).map((pod) => structuredClone(pod));
  }

  async patchNode(name: string, patch: NodePatch): Promise<Node> {
    this.log.push(`patchNode ${name} ${JSON.stringify({ unschedulable: patch.unschedulable, annotations: patch.annotations })}`);
    const current = this.nodeObjects.objects.get(`undefined/${name}`);
    if (!current) throw new ApiError(`nodes "${name}" not found`, 404, "NotFound");
    if (patch.resourceVersion && patch.resourceVersion !== current.metadata?.resourceVersion) {
      throw new ApiError("the object has been modified", 409, "Conflict");
    }
    const annotations: Record<string, string> = { ...current.metadata?.annotations };
    for (const [key, value] of Object.entries(patch.annotations ?? {})) {
      if (value === null) delete annotations[key];
      else annotations[key] = value;
    }
    const spec = { ...current.spec, ...(patch.unschedulable !== undefined && { unschedulable: patch.unschedulable }) };
    return this.nodeObjects.put({ ...current, metadata: { ...current.metadata, annotations }, spec });
  }

  /** Every eviction asked for, in order (namespace/name). */
  readonly evictions: string[] = [];
  /** The gracePeriodSeconds each eviction asked for (undefined: none given), in the order of `evictions`. */
  readonly evictionGracePeriods: (number | undefined)[] = [];
  /** Plays the PodDisruptionBudgets: the refusal for a pod, if any; otherwise an evicted pod is gone at once. */
  refuseEviction: (pod: Pod) => string | undefined = () => undefined;

  async evictPod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<Eviction> {
    this.evictions.push(`${namespace}/${name}`);
    this.evictionGracePeriods.push(gracePeriodSeconds);
    const pod = this.podObjects.objects.get(`${namespace}/${name}`);
    if (!pod) return { outcome: "gone" };
    const why = this.refuseEviction(pod);
    if (why) return { outcome: "refused", why };
    this.podObjects.remove(`${namespace}/${name}`);
    return { outcome: "evicted" };
  }

  async setHookFinalizers(hook: PlexdHook, finalizers: string[]): Promise<PlexdHook> {
    this.log.push(`setHookFinalizers ${hook.metadata.name} ${finalizers.join(",")}`);
    const current = this.hook(hook.metadata.name, hook.metadata.namespace);
    if (!current) throw new ApiError("not found", 404, "NotFound");
    if (hook.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError("the object has been modified", 409, "Conflict");
    }
    const updated = { ...current, metadata: { ...current.metadata, finalizers } };
    if (current.metadata.deletionTimestamp && finalizers.length === 0) {
      this.hooks.remove(`${current.metadata.namespace}/${current.metadata.name}`);
      return updated;
    }
    return this.hooks.put(updated);
  }

  /** Deletes a hook as the API server does: marked while it has finalizers, else gone at once. */
  deleteHook(name: string, namespace = "plexd-system"): void {
    const current = this.hook(name, namespace);
    if (!current) return;
    if (current.metadata.finalizers?.length) {
      this.hooks.put({ ...current, metadata: { ...current.metadata, deletionTimestamp: new Date() } });
    } else this.hooks.remove(`${namespace}/${name}`);
  }

  async watchLease(namespace: string, name: string, signal: AbortSignal): Promise<AsyncIterable<WatchEvent<Lease>>> {
    return this.leases.watch({ namespace, fieldSelector: `metadata.name=${name}`, signal });
  }

  async getLease(namespace: string, name: string): Promise<Lease | undefined> {
    this.log.push("getLease");
    const lease = this.leases.objects.get(`${namespace}/${name}`);
    return lease && structuredClone(lease);
  }

  async putLease(lease: Lease): Promise<Lease> {
    this.log.push("putLease");
    const current = this.leases.objects.get(`${lease.metadata.namespace}/${lease.metadata.name}`);
    if (!lease.metadata.resourceVersion && current) throw new ApiError("lease exists", 409, "AlreadyExists");
    if (lease.metadata.resourceVersion && lease.metadata.resourceVersion !== current?.metadata.resourceVersion) {
      throw new ApiError("lease modified", 409, "Conflict");
    }
    return this.leases.put({ metadata: { ...lease.metadata }, spec: { ...lease.spec } });
  }
}
