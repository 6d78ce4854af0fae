// An in-memory RunClient for unit tests of `run` and `logs`: scripted phases per hook and a recorded log source.

import type { LogOptions, RunClient } from "../../lib/cli/run/client.ts";
import type { NewHook } from "../../lib/cli/run/hook.ts";
import { sleep } from "../../lib/core/time.ts";
import type { Job, PlexdHook, PlexdHookStatus, Pod } from "../../lib/core/types.ts";
import type { WatchEvent } from "../../lib/kube/client.ts";
import { ApiError } from "../../lib/kube/errors.ts";

/** The statuses a hook goes through after it is created, one every `stepMs`. */
export type Script = (hook: NewHook) => PlexdHookStatus[];

export const succeeds: Script = (hook) => [
  { phase: "Pending", jobName: `plexdhook-${hook.metadata.name}` },
  { phase: "Running", jobName: `plexdhook-${hook.metadata.name}` },
  { phase: "Succeeded", jobName: `plexdhook-${hook.metadata.name}` },
];

export const failsWith =
  (code: number): Script =>
  (hook) => [
    { phase: "Running", jobName: `plexdhook-${hook.metadata.name}` },
    {
      phase: "Failed",
      jobName: `plexdhook-${hook.metadata.name}`,
      message: `Job plexdhook-${hook.metadata.name} failed: BackoffLimitExceeded: Job has reached the specified backoff limit: container hook in pod p exited with code ${code} (Error)`,
    },
  ];

export class MemoryRunClient implements RunClient {
  readonly hooks = new Map<string, PlexdHook>();
  readonly deleted: string[] = [];
  /** Recorded log chunks by hook name, as the pods/log endpoint sent them. */
  readonly logs = new Map<string, string[]>();
  nodes: Array<{ name: string; labels: Record<string, string> }> = [];
  /** Set to an ApiError to refuse log access the way the API server does. */
  logError: ApiError | undefined;
  createError: ApiError | undefined;
  script: Script = succeeds;
  stepMs = 1;
  /** Hooks between creation and their last scripted status, and the most there ever were at once. */
  running = 0;
  peakRunning = 0;

  async createHook(body: NewHook): Promise<PlexdHook> {
    if (this.createError) throw this.createError;
    const { name, namespace } = body.metadata;
    if (this.hooks.has(name)) throw new ApiError(`plexdhooks "${name}" already exists`, 409, "AlreadyExists");
    const hook = { ...structuredClone(body), metadata: { ...body.metadata, uid: `uid-${name}` } } as unknown as PlexdHook;
    this.hooks.set(name, hook);
    this.peakRunning = Math.max(this.peakRunning, ++this.running);
    const statuses = this.script(body);
    void (async () => {
      for (const status of statuses) {
        await Bun.sleep(this.stepMs);
        hook.status = { ...status, nodeName: hook.spec.nodeName };
      }
      this.running--;
    })();
    return structuredClone({ ...hook, metadata: { ...hook.metadata, namespace } });
  }

  async getHook(_namespace: string, name: string): Promise<PlexdHook | undefined> {
    const hook = this.hooks.get(name);
    return hook && structuredClone(hook);
  }

  async deleteHook(_namespace: string, name: string): Promise<void> {
    this.deleted.push(name);
    this.hooks.delete(name);
  }

  async watchHook(_namespace: string, name: string, signal: AbortSignal): Promise<AsyncIterable<WatchEvent<PlexdHook>>> {
    const hooks = this.hooks;
    return (async function* () {
      let seen = "";
      while (!signal.aborted) {
        const hook = hooks.get(name);
        if (!hook) {
          yield { type: "DELETED", object: { metadata: { name } } as PlexdHook };
          return;
        }
        const now = JSON.stringify(hook.status ?? {});
        if (now !== seen) {
          seen = now;
          yield { type: seen === "{}" ? "ADDED" : "MODIFIED", object: structuredClone(hook) };
        }
        await sleep(1, signal);
      }
    })();
  }

  async nodeNames(labelSelector: string): Promise<string[]> {
    const [key, value] = labelSelector.split("=") as [string, string];
    return this.nodes
      .filter((n) => n.labels[key] === value)
      .map((n) => n.name)
      .sort();
  }

  async getJob(_namespace: string, name: string): Promise<Job | undefined> {
    if (this.logError) throw this.logError;
    return { metadata: { name, uid: `job-uid-${name}` } };
  }

  async listPods(_namespace: string, labelSelector: string): Promise<Pod[]> {
    const uid = labelSelector.split("=")[1] ?? "";
    return [{ metadata: { name: `pod-of-${uid.replace("job-uid-plexdhook-", "")}`, creationTimestamp: new Date() } }];
  }

  async *podLog(_namespace: string, pod: string, _container: string, _options: LogOptions): AsyncGenerator<string> {
    if (this.logError) throw this.logError;
    for (const chunk of this.logs.get(pod.replace("pod-of-", "")) ?? []) {
      await Bun.sleep(0);
      yield chunk;
    }
  }
}
