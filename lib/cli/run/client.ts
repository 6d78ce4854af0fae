// What `run` and `logs` ask of Kubernetes, as an interface (tests pass a recorded one) and its REST implementation.

import { pino } from "pino";
import { LABEL_ROLLOUT, ROLLOUT_PLURAL } from "../../constants.ts";
import type { Job, PlexdHook, Pod } from "../../core/types.ts";
import type { PlexdRollout, PlexdRolloutSpec } from "../../fleet/rollout/types.ts";
import type { Watch } from "../../kube/client.ts";
import { unlessNotFound } from "../../kube/errors.ts";
import type { ClusterAccess } from "../../kube/kubeconfig.ts";
import { NodeKubeClient } from "../../kube/node-client.ts";
import { hooksPath, rolloutsPath } from "../../kube/paths.ts";
import type { NewHook } from "./hook.ts";
import type { NewRollout } from "./rollout-body.ts";

export interface LogOptions {
  follow: boolean;
  signal: AbortSignal;
  tailLines?: number;
  limitBytes?: number;
}

/** A container's log as text chunks; the real one reads pods/log, a recorded one replays a file. */
export interface LogSource {
  podLog(namespace: string, pod: string, container: string, options: LogOptions): AsyncIterable<string>;
}

export interface RunClient extends LogSource {
  createRollout(rollout: NewRollout): Promise<PlexdRollout>;
  getRollout(namespace: string, name: string): Promise<PlexdRollout | undefined>;
  /** The rollout's changes until the signal aborts; the first event is its current state. */
  watchRollout(namespace: string, name: string, signal: AbortSignal): Watch<PlexdRollout>;
  /** The hooks of rollout `name` (its label), as they change. */
  watchRolloutHooks(namespace: string, name: string, signal: AbortSignal): Watch<PlexdHook>;
  /** Merges `spec` into the rollout's spec (pause, resume, abort). */
  patchRolloutSpec(namespace: string, name: string, spec: Partial<PlexdRolloutSpec>): Promise<PlexdRollout>;
  deleteRollout(namespace: string, name: string): Promise<void>;
  createHook(hook: NewHook): Promise<PlexdHook>;
  getHook(namespace: string, name: string): Promise<PlexdHook | undefined>;
  deleteHook(namespace: string, name: string): Promise<void>;
  /** The hook's changes until the signal aborts; the first event is its current state. */
  watchHook(namespace: string, name: string, signal: AbortSignal): Watch<PlexdHook>;
  /** Names of the nodes matching a label selector, sorted. */
  nodeNames(labelSelector: string): Promise<string[]>;
  getJob(namespace: string, name: string): Promise<Job | undefined>;
  listPods(namespace: string, labelSelector: string): Promise<Pod[]>;
}

/** The log request waits this long for an answer; a node's kubelet that does not answer is not worth a hang. */
const LOG_CONNECT_TIMEOUT_MS = 15_000;

export class RestRunClient implements RunClient {
  private readonly kube: NodeKubeClient;

  constructor(config: ClusterAccess) {
    // A person at a terminal wants an unreachable server reported in a second, not retried for a minute.
    this.kube = new NodeKubeClient(config, { logger: pino({ level: "silent" }), unreachableRetryMs: 1_000 });
  }

  get server(): string {
    return this.kube.rest.server;
  }

  createHook(hook: NewHook): Promise<PlexdHook> {
    return this.kube.rest.request<PlexdHook>("POST", hooksPath(hook.metadata.namespace), { body: hook });
  }

  getHook(namespace: string, name: string): Promise<PlexdHook | undefined> {
    return unlessNotFound(this.kube.rest.request<PlexdHook>("GET", `${hooksPath(namespace)}/${name}`));
  }

  async deleteHook(namespace: string, name: string): Promise<void> {
    // Background: the hook goes now, its Job and pod follow through garbage collection.
    await unlessNotFound(
      this.kube.rest.request("DELETE", `${hooksPath(namespace)}/${name}`, { body: { propagationPolicy: "Background" } }),
    );
  }

  createRollout(rollout: NewRollout): Promise<PlexdRollout> {
    return this.kube.rest.request<PlexdRollout>("POST", rolloutsPath(rollout.metadata.namespace), { body: rollout });
  }

  getRollout(namespace: string, name: string): Promise<PlexdRollout | undefined> {
    return unlessNotFound(this.kube.rest.request<PlexdRollout>("GET", `${rolloutsPath(namespace)}/${name}`));
  }

  watchRollout(namespace: string, name: string, signal: AbortSignal): Watch<PlexdRollout> {
    return this.kube.watchPath<PlexdRollout>(ROLLOUT_PLURAL, rolloutsPath(namespace), {
      namespace,
      fieldSelector: `metadata.name=${name}`,
      signal,
    });
  }

  watchRolloutHooks(namespace: string, name: string, signal: AbortSignal): Watch<PlexdHook> {
    return this.kube.watchHooks({ namespace, labelSelector: `${LABEL_ROLLOUT}=${name}`, signal });
  }

  patchRolloutSpec(namespace: string, name: string, spec: Partial<PlexdRolloutSpec>): Promise<PlexdRollout> {
    return this.kube.rest.request<PlexdRollout>("PATCH", `${rolloutsPath(namespace)}/${name}`, {
      body: { spec },
      contentType: "application/merge-patch+json",
    });
  }

  async deleteRollout(namespace: string, name: string): Promise<void> {
    // Background: the rollout goes now, its hooks, Jobs and pods follow through garbage collection.
    await this.kube.rest.request("DELETE", `${rolloutsPath(namespace)}/${name}`, { body: { propagationPolicy: "Background" } });
  }

  watchHook(namespace: string, name: string, signal: AbortSignal): Watch<PlexdHook> {
    return this.kube.watchHooks({ namespace, fieldSelector: `metadata.name=${name}`, signal });
  }

  async nodeNames(labelSelector: string): Promise<string[]> {
    const list = await this.kube.rest.request<{ items: Array<{ metadata: { name: string } }> }>("GET", "/api/v1/nodes", {
      query: { labelSelector },
    });
    return list.items.map((node) => node.metadata.name).sort();
  }

  getJob(namespace: string, name: string): Promise<Job | undefined> {
    return this.kube.getJob(namespace, name);
  }

  listPods(namespace: string, labelSelector: string): Promise<Pod[]> {
    return this.kube.listPods(namespace, labelSelector);
  }

  podLog(namespace: string, pod: string, container: string, options: LogOptions): AsyncIterable<string> {
    return this.kube.rest.text(`/api/v1/namespaces/${namespace}/pods/${pod}/log`, {
      query: { container, follow: options.follow, tailLines: options.tailLines, limitBytes: options.limitBytes },
      signal: options.signal,
      connectTimeoutMs: LOG_CONNECT_TIMEOUT_MS,
    });
  }
}
