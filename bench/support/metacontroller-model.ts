// A model of Metacontroller's CompositeController loop for the Metacontroller burst (real Metacontroller
// cannot be built here: the Go module proxy refuses github.com/metacontroller/metacontroller). It keeps
// what decides Metacontroller's throughput, read from its source (pkg/controller/composite):
// - informers for the parents, the children and the related objects: reads cost no request;
// - a work queue served by a few workers (--workers, 5 by default);
// - per sync: with a finalize hook, first put its finalizer on the parent (an update); call customize
//   (once per parent generation: Metacontroller caches the answer) and sync; create the children the
//   answer has and the cluster has not, delete those it left out (OnDelete: never update one); write
//   the status, with observedGeneration, only when it differs (AtomicStatusUpdate: a GET and again on a
//   conflict); enqueue again after resyncAfterSeconds;
// - every request through one client limited like client-go (--client-go-qps 5, --client-go-burst 10).
// It counts each request by `verb resource`.

import type { Rest } from "../../lib/kube/rest.ts";
import { hooksPath, jobsPath } from "./api.ts";

type Obj = Record<string, any>;

const MC_FINALIZER = "metacontroller.io/compositecontroller-plexd-hook";

export interface ModelOptions {
  rest: Rest;
  ns: string;
  /** The webhook's base URL (plain HTTP). */
  webhook: string;
  /** The Node every hook of the burst runs on (Metacontroller would relate it from its informer). */
  node: Obj;
  qps: number;
  burst: number;
  workers: number;
  /** Whether the CompositeController has a finalize hook (the shipped one has). */
  finalize: boolean;
}

/** client-go's token bucket: `burst` requests at once, then `qps` a second. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private chain = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): Promise<void> {
    const next = this.chain.then(async () => {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
      this.last = now;
      if (this.tokens < 1) {
        await Bun.sleep(((1 - this.tokens) / this.qps) * 1000);
        this.tokens = 1;
        this.last = performance.now();
      }
      this.tokens -= 1;
    });
    this.chain = next;
    return next;
  }
}

export class MetacontrollerModel {
  /** Requests made, by `verb resource`. */
  readonly requests = new Map<string, number>();
  readonly errors: string[] = [];
  private readonly hooks = new Map<string, Obj>();
  private readonly jobs = new Map<string, Obj>();
  private readonly pods = new Map<string, Obj>();
  private readonly customized = new Map<string, Obj>();
  private readonly queue = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly wake: Array<() => void> = [];
  private readonly limiter: TokenBucket;
  private readonly stop = new AbortController();

  constructor(private readonly o: ModelOptions) {
    this.limiter = new TokenBucket(o.qps, o.burst);
  }

  start(): void {
    const { ns } = this.o;
    void this.inform(hooksPath(ns), this.hooks, (h) => h.metadata.name);
    void this.inform(jobsPath(ns), this.jobs, (j) => this.ownerOf(j));
    void this.inform(`/api/v1/namespaces/${ns}/pods`, this.pods, (p) => {
      const job = this.jobs.get(p.metadata?.labels?.["batch.kubernetes.io/job-name"] ?? "");
      return job ? this.ownerOf(job) : undefined;
    });
    for (let i = 0; i < this.o.workers; i++) void this.work();
  }

  close(): void {
    this.stop.abort();
    for (const wake of this.wake.splice(0)) wake();
  }

  private count(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** One rate-limited request of Metacontroller's client. */
  private async call<T>(key: string, method: string, path: string, body?: unknown): Promise<T> {
    await this.limiter.take();
    this.count(key);
    return this.o.rest.request<T>(method, path, body === undefined ? {} : { body });
  }

  private ownerOf(o: Obj): string | undefined {
    return (o.metadata?.ownerReferences ?? []).find((r: Obj) => r.controller && r.kind === "PlexdHook")?.name;
  }

  /** An informer: watch from now on (the namespace is empty when the burst starts), keep a cache, enqueue owners. */
  private async inform(path: string, cache: Map<string, Obj>, parent: (o: Obj) => string | undefined): Promise<void> {
    let resourceVersion = "0";
    while (!this.stop.signal.aborted) {
      try {
        const query = { watch: true, resourceVersion, allowWatchBookmarks: true };
        for await (const event of this.o.rest.stream<{ type: string; object: Obj }>(path, {
          query,
          signal: this.stop.signal,
        })) {
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === "BOOKMARK" || event.type === "ERROR") continue;
          if (event.type === "DELETED") cache.delete(event.object.metadata.name);
          else cache.set(event.object.metadata.name, event.object);
          const owner = parent(event.object);
          if (owner) this.enqueue(owner);
        }
      } catch (err) {
        if (!this.stop.signal.aborted) this.errors.push(`watch ${path}: ${(err as Error).message}`);
      }
    }
  }

  private enqueue(name: string): void {
    if (this.busy.has(name)) {
      this.dirty.add(name);
      return;
    }
    this.queue.add(name);
    this.wake.shift()?.();
  }

  private async work(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const [name] = this.queue;
      if (name === undefined) {
        await new Promise<void>((resolve) => this.wake.push(resolve));
        continue;
      }
      this.queue.delete(name);
      this.busy.add(name);
      try {
        await this.sync(name);
      } catch (err) {
        this.errors.push(`sync ${name}: ${(err as Error).message}`);
        setTimeout(() => this.enqueue(name), 1_000);
      } finally {
        this.busy.delete(name);
        if (this.dirty.delete(name)) this.enqueue(name);
      }
    }
  }

  private async hook(path: string, body: unknown): Promise<Obj> {
    const res = await fetch(`${this.o.webhook}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Obj;
  }

  private async sync(name: string): Promise<void> {
    const { ns, finalize } = this.o;
    let parent = this.hooks.get(name);
    if (!parent || parent.metadata.deletionTimestamp) return;
    if (finalize && !(parent.metadata.finalizers ?? []).includes(MC_FINALIZER)) {
      const finalizers = [...(parent.metadata.finalizers ?? []), MC_FINALIZER];
      parent = await this.call<Obj>("update plexdhooks", "PUT", `${hooksPath(ns)}/${name}`, {
        ...parent,
        metadata: { ...parent.metadata, finalizers },
      });
      this.hooks.set(name, parent);
    }
    const controller = {
      apiVersion: "metacontroller.k8s.io/v1alpha1",
      kind: "CompositeController",
      metadata: { name: "plexd-hook" },
    };
    const cacheKey = `${parent.metadata.uid}/${parent.metadata.generation}`;
    const rules = this.customized.get(cacheKey) ?? (await this.hook("/customize", { controller, parent }));
    this.customized.set(cacheKey, rules);
    const jobName = (rules.relatedResources ?? []).find((r: Obj) => r.resource === "pods")?.labelSelector?.matchLabels?.[
      "batch.kubernetes.io/job-name"
    ];
    const pods = [...this.pods.values()].filter((p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === jobName);
    const observed = [...this.jobs.values()].filter((j) => this.ownerOf(j) === name);
    const answer = await this.hook("/sync", {
      controller,
      parent,
      children: { "Job.batch/v1": Object.fromEntries(observed.map((j) => [`${ns}/${j.metadata.name}`, j])) },
      related: {
        "Node.v1": { [this.o.node.metadata.name]: this.o.node },
        "Pod.v1": Object.fromEntries(pods.map((p) => [`${ns}/${p.metadata.name}`, p])),
      },
      finalizing: false,
    });
    const desired: Obj[] = answer.children ?? [];
    for (const child of desired) {
      if (observed.some((j) => j.metadata.name === child.metadata.name)) continue;
      const labels = { ...child.metadata.labels, "controller-uid": parent.metadata.uid };
      const ownerReferences = [
        {
          apiVersion: parent.apiVersion,
          kind: parent.kind,
          name,
          uid: parent.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ];
      const job = await this.call<Obj>("create jobs", "POST", jobsPath(ns), {
        ...child,
        metadata: { ...child.metadata, namespace: ns, labels, ownerReferences },
      });
      this.jobs.set(job.metadata.name, job);
    }
    for (const job of observed) {
      if (desired.some((c) => c.metadata.name === job.metadata.name)) continue;
      await this.call("delete jobs", "DELETE", `${jobsPath(ns)}/${job.metadata.name}`);
    }
    const status = { ...answer.status, observedGeneration: parent.metadata.generation };
    for (let current = parent; !Bun.deepEquals(current.status ?? {}, status); ) {
      try {
        const updated = await this.call<Obj>("update plexdhooks/status", "PUT", `${hooksPath(ns)}/${name}/status`, {
          ...current,
          status,
        });
        this.hooks.set(name, updated);
        break;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
        current = await this.call<Obj>("get plexdhooks", "GET", `${hooksPath(ns)}/${name}`);
      }
    }
    const resync = Number(answer.resyncAfterSeconds ?? 0);
    if (resync > 0) setTimeout(() => this.enqueue(name), resync * 1000);
  }
}
