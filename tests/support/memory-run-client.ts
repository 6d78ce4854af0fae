// An in-memory RunClient for unit tests of `run` and `logs`: scripted phases per hook, a recorded log source, and
// rollouts played by the real planner (lib/fleet/rollout) standing in for the fleet controller.

import type { LogOptions, RunClient } from "../../lib/cli/run/client.ts";
import type { NewHook } from "../../lib/cli/run/hook.ts";
import type { NewRollout } from "../../lib/cli/run/rollout-body.ts";
import { LABEL_ROLLOUT } from "../../lib/constants.ts";
import { sleep } from "../../lib/core/time.ts";
import type { Job, PlexdHook, PlexdHookStatus, Pod } from "../../lib/core/types.ts";
import { buildRolloutHook } from "../../lib/fleet/rollout/hook.ts";
import { planRollout } from "../../lib/fleet/rollout/plan.ts";
import type { PlexdRollout, PlexdRolloutSpec } from "../../lib/fleet/rollout/types.ts";
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

  readonly rollouts = new Map<string, PlexdRollout>();
  readonly deletedRollouts: string[] = [];

  async createRollout(body: NewRollout): Promise<PlexdRollout> {
    if (this.createError) throw this.createError;
    const { name } = body.metadata;
    if (this.rollouts.has(name)) throw new ApiError(`plexdrollouts "${name}" already exists`, 409, "AlreadyExists");
    const rollout: PlexdRollout = { ...structuredClone(body), metadata: { ...body.metadata, uid: `uid-${name}`, generation: 1 } };
    this.rollouts.set(name, rollout);
    void this.play(rollout);
    return structuredClone(rollout);
  }

  /** Plays the fleet controller for one rollout: plans every step and creates the hooks the plan starts. */
  private async play(rollout: PlexdRollout): Promise<void> {
    const nodes = () => this.nodes.map((n) => ({ name: n.name, labels: n.labels, ready: true, unschedulable: false }));
    while (this.rollouts.get(rollout.metadata.name) === rollout) {
      const hooks = [...this.hooks.values()].filter((h) => h.metadata.labels?.[LABEL_ROLLOUT] === rollout.metadata.name);
      const plan = planRollout({ rollout, nodes: nodes(), hooks, now: new Date() });
      rollout.status = plan.status;
      for (const node of plan.start) await this.createHook(buildRolloutHook(rollout, node) as unknown as NewHook);
      if (rollout.status.completedAt) return;
      await Bun.sleep(this.stepMs);
    }
  }

  async getRollout(_namespace: string, name: string): Promise<PlexdRollout | undefined> {
    const rollout = this.rollouts.get(name);
    return rollout && structuredClone(rollout);
  }

  async watchRollout(_namespace: string, name: string, signal: AbortSignal): Promise<AsyncIterable<WatchEvent<PlexdRollout>>> {
    return this.poll(signal, () => {
      const rollout = this.rollouts.get(name);
      return rollout ? [rollout] : [{ metadata: { name } } as PlexdRollout];
    });
  }

  async watchRolloutHooks(_namespace: string, name: string, signal: AbortSignal): Promise<AsyncIterable<WatchEvent<PlexdHook>>> {
    return this.poll(signal, () => [...this.hooks.values()].filter((h) => h.metadata.labels?.[LABEL_ROLLOUT] === name));
  }

  /** A watch made by polling: each object whose state changed, DELETED for one that went away (no uid). */
  private async poll<T extends { metadata: { name: string; uid?: string } }>(signal: AbortSignal, read: () => T[]) {
    return (async function* (): AsyncGenerator<WatchEvent<T>> {
      const seen = new Map<string, string>();
      while (!signal.aborted) {
        for (const object of read()) {
          const state = JSON.stringify(object);
          if (seen.get(object.metadata.name) === state) continue;
          const known = seen.has(object.metadata.name);
          seen.set(object.metadata.name, state);
          if (!object.metadata.uid) yield { type: "DELETED", object };
          else yield { type: known ? "MODIFIED" : "ADDED", object: structuredClone(object) };
        }
        await sleep(1, signal);
      }
    })();
  }

  async patchRolloutSpec(_namespace: string, name: string, spec: Partial<PlexdRolloutSpec>): Promise<PlexdRollout> {
    const rollout = this.rollouts.get(name);
    if (!rollout) throw new ApiError(`plexdrollouts "${name}" not found`, 404, "NotFound");
    rollout.spec = { ...rollout.spec, ...spec };
    return structuredClone(rollout);
  }

  async deleteRollout(_namespace: string, name: string): Promise<void> {
    this.deletedRollouts.push(name);
    this.rollouts.delete(name);
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
