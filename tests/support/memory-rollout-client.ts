// An in-memory RolloutClient for unit tests of the rollout duty: rollouts, hooks and Nodes with watches, and a record of creates.

import { LABEL_ROLLOUT } from "../../lib/constants.ts";
import type { PlexdHook } from "../../lib/core/types.ts";
import { type RolloutClient, statusPatch } from "../../lib/fleet/rollout/client.ts";
import type { NewRolloutHook } from "../../lib/fleet/rollout/hook.ts";
import type { PlexdRollout, PlexdRolloutSpec, PlexdRolloutStatus, RolloutNode } from "../../lib/fleet/rollout/types.ts";
import type { WatchEvent } from "../../lib/kube/client.ts";
import { ApiError } from "../../lib/kube/errors.ts";
import { Kind } from "./memory-client.ts";

type NodeObject = RolloutNode & { metadata: { name: string; namespace: string } };

export class MemoryRolloutClient implements RolloutClient {
  private version = 1;
  readonly rollouts = new Kind<PlexdRollout>(() => String(++this.version));
  readonly hooks = new Kind<PlexdHook>(() => String(++this.version));
  readonly nodes = new Kind<NodeObject>(() => String(++this.version));
  /** Hook names in the order they were created. */
  readonly created: string[] = [];
  /** The most hooks not Succeeded or Failed at any moment (checked at each create and status change). */
  maxRunning = 0;
  /** An error the next status write throws instead. */
  failNextStatusWrite: Error | undefined;
  /** Delays each write's answer, so the watch event of a write arrives before its answer (as it can on loopback). */
  answerDelayMs = 0;
  /** An error to answer a hook's create with (a refusal), or undefined to create it. */
  refuseCreate: ((hook: NewRolloutHook) => Error | undefined) | undefined;

  addRollout(name: string, spec: Partial<PlexdRolloutSpec>, namespace = "ns"): PlexdRollout {
    return this.rollouts.put({
      metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
      spec: { nodeSelector: {}, template: { hookName: "t" }, ...spec },
    });
  }

  rollout(name: string, namespace = "ns"): PlexdRollout {
    return this.rollouts.objects.get(`${namespace}/${name}`) as PlexdRollout;
  }

  setNode(node: RolloutNode): void {
    this.nodes.put({ ...node, metadata: { name: node.name, namespace: "" } });
  }

  /** Plays the node agent: ends a hook. */
  finishHook(name: string, phase: "Succeeded" | "Failed", namespace = "ns"): void {
    const hook = this.hooks.objects.get(`${namespace}/${name}`);
    if (!hook) throw new Error(`no hook ${name}`);
    this.hooks.put({ ...hook, status: { phase, completedAt: new Date().toISOString() } });
  }

  running(): PlexdHook[] {
    return [...this.hooks.objects.values()].filter((h) => h.status?.phase !== "Succeeded" && h.status?.phase !== "Failed");
  }

  async watchRollouts(namespace: string, signal: AbortSignal) {
    return this.rollouts.watch({ namespace, signal });
  }

  async watchRolloutHooks(namespace: string, signal: AbortSignal) {
    // The label selector is "has the label", which Kind's matcher does not speak: filter here.
    const events = this.hooks.watch({ namespace, signal });
    return (async function* (): AsyncGenerator<WatchEvent<PlexdHook>> {
      for await (const event of events) {
        if (event.type === "SYNCED" || event.object.metadata.labels?.[LABEL_ROLLOUT] !== undefined) yield event;
      }
    })();
  }

  async watchNodes(signal: AbortSignal) {
    const events = this.nodes.watch({ namespace: "", signal });
    return (async function* (): AsyncGenerator<WatchEvent<RolloutNode>> {
      for await (const event of events) {
        if (event.type === "SYNCED") yield event;
        else {
          const { metadata: _, ...node } = event.object;
          yield { type: event.type, object: node };
        }
      }
    })();
  }

  async updateRolloutStatus(rollout: PlexdRollout, status: PlexdRolloutStatus): Promise<PlexdRollout> {
    const failure = this.failNextStatusWrite;
    this.failNextStatusWrite = undefined;
    if (failure) throw failure;
    const stored = this.rollout(rollout.metadata.name, rollout.metadata.namespace);
    if (!stored) throw new ApiError("not found", 404, "NotFound");
    if (stored.metadata.resourceVersion !== rollout.metadata.resourceVersion) throw new ApiError("conflict", 409, "Conflict");
    const merged = { ...(stored.status ?? {}) } as Record<string, unknown>;
    for (const [key, value] of Object.entries(statusPatch(stored.status, status))) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const written = this.rollouts.put({ ...stored, status: merged as PlexdRolloutStatus });
    if (this.answerDelayMs) await Bun.sleep(this.answerDelayMs);
    return written;
  }

  async createHook(hook: NewRolloutHook): Promise<PlexdHook> {
    const { name, namespace } = hook.metadata;
    if (this.hooks.objects.has(`${namespace}/${name}`)) throw new ApiError("exists", 409, "AlreadyExists");
    const refusal = this.refuseCreate?.(hook);
    if (refusal) throw refusal;
    this.created.push(name);
    const stored = this.hooks.put({ ...hook, metadata: { ...hook.metadata, uid: `uid-${name}` } } as PlexdHook);
    this.maxRunning = Math.max(this.maxRunning, this.running().length);
    if (this.answerDelayMs) await Bun.sleep(this.answerDelayMs);
    return stored;
  }

  async getHook(namespace: string, name: string): Promise<PlexdHook | undefined> {
    return this.hooks.objects.get(`${namespace}/${name}`);
  }
}
