// The REST RolloutClient: PlexdRollouts, their hooks and the Nodes, over the Rest layer and listWatch.

import type { Logger } from "pino";
import { LABEL_ROLLOUT, PLURAL, ROLLOUT_PLURAL } from "../constants.ts";
import type { PlexdHook } from "../core/types.ts";
import { type RolloutClient, statusPatch } from "../fleet/rollout/client.ts";
import type { NewRolloutHook } from "../fleet/rollout/hook.ts";
import type { PlexdRollout, PlexdRolloutStatus, RolloutNode } from "../fleet/rollout/types.ts";
import type { Watch, WatchEvent } from "./client.ts";
import { unlessNotFound } from "./errors.ts";
import { type ListPage, listWatch, type RawEvent } from "./list-watch.ts";
import { hooksPath, rolloutsPath } from "./paths.ts";
import type { Query, Rest } from "./rest.ts";

interface Node {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
}

/** The little a rollout reads of a Node; a Node is mostly images and addresses nobody here needs. */
function rolloutNode(node: Node): RolloutNode {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const entry: RolloutNode = {
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    ready: ready?.status === "True",
    unschedulable: node.spec?.unschedulable === true,
  };
  if (ready?.lastTransitionTime) entry.readySince = ready.lastTransitionTime;
  return entry;
}

export class RestRolloutClient implements RolloutClient {
  constructor(
    private readonly rest: Rest,
    private readonly logger: Logger,
    private readonly onWatchRestart?: (resource: string, reason: string) => void,
  ) {}

  private watch<T extends { metadata?: { name?: string } }>(
    resource: string,
    path: string,
    query: Query,
    signal: AbortSignal,
  ): Watch<T> {
    const { rest } = this;
    return listWatch<T>(
      {
        list: ({ limit, continue: token, signal }) =>
          rest.request<ListPage<T>>("GET", path, { query: { ...query, limit, continue: token }, signal }),
        watch: ({ resourceVersion, timeoutSeconds, signal }) =>
          rest.stream<RawEvent<T>>(path, {
            query: { ...query, watch: true, allowWatchBookmarks: true, resourceVersion, timeoutSeconds },
            signal,
          }),
      },
      { signal, logger: this.logger.child({ resource }), onRestart: (reason) => this.onWatchRestart?.(resource, reason) },
    );
  }

  watchRollouts(namespace: string, signal: AbortSignal): Watch<PlexdRollout> {
    return this.watch<PlexdRollout>(ROLLOUT_PLURAL, rolloutsPath(namespace), {}, signal);
  }

  watchRolloutHooks(namespace: string, signal: AbortSignal): Watch<PlexdHook> {
    return this.watch<PlexdHook>(PLURAL, hooksPath(namespace), { labelSelector: LABEL_ROLLOUT }, signal);
  }

  async watchNodes(signal: AbortSignal): Watch<RolloutNode> {
    const events = await this.watch<Node>("nodes", "/api/v1/nodes", {}, signal);
    return (async function* (): AsyncGenerator<WatchEvent<RolloutNode>> {
      for await (const event of events) {
        yield event.type === "SYNCED" ? event : { type: event.type, object: rolloutNode(event.object) };
      }
    })();
  }

  updateRolloutStatus(rollout: PlexdRollout, status: PlexdRolloutStatus): Promise<PlexdRollout> {
    const { name, namespace, resourceVersion } = rollout.metadata;
    return this.rest.request<PlexdRollout>("PATCH", `${rolloutsPath(namespace)}/${name}/status`, {
      body: { metadata: { resourceVersion }, status: statusPatch(rollout.status, status) },
      contentType: "application/merge-patch+json",
    });
  }

  createHook(hook: NewRolloutHook): Promise<PlexdHook> {
    return this.rest.request<PlexdHook>("POST", hooksPath(hook.metadata.namespace), { body: hook });
  }

  getHook(namespace: string, name: string): Promise<PlexdHook | undefined> {
    return unlessNotFound(this.rest.request<PlexdHook>("GET", `${hooksPath(namespace)}/${name}`));
  }
}
