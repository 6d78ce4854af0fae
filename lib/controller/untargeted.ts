// The Lease holder's duties: hooks without spec.nodeName (node mode) or every hook (cluster mode), hooks no
// controller took, hooks whose node was lost.

import type { Logger } from "pino";
import { keyOf } from "../core/names.ts";
import { backoffDelay, sleep } from "../core/time.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { LeaseConfig, LostNodesConfig, RetryConfig, UnclaimedConfig } from "./config.ts";
import type { EventRecorder } from "./events.ts";
import type { HookCache } from "./hook-cache.ts";
import { LeaseElector } from "./leader.ts";
import { reportLostNodes } from "./lost-nodes.ts";
import type { StatusWriter } from "./status-writer.ts";
import { reportUnclaimed } from "./unclaimed.ts";
import { type HookStream, SOURCE_UNTARGETED, UNTARGETED_SELECTOR } from "./watches.ts";

export interface UntargetedOptions {
  client: KubeClient;
  namespace: string;
  /** Cluster mode: the holder is the one replica that writes; there are no untargeted or unclaimed duties. */
  allNodes: boolean;
  lease: LeaseConfig;
  unclaimed: UnclaimedConfig;
  lostNodes: LostNodesConfig;
  /** Backoff for the untargeted watch when it cannot be opened. */
  retry: RetryConfig;
  /** False when the API server cannot select hooks by field: the hook cache already holds every hook. */
  serverSideFilter: boolean;
  hooks: HookCache;
  /** Feeds a hook watch into the cache under `source`, enqueueing each key that changed; ends with the stream. */
  feed: (source: string, stream: HookStream) => Promise<void>;
  enqueue: (key: string) => void;
  status: StatusWriter;
  events: EventRecorder;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
}

export class UntargetedDuties {
  private holding = false;

  constructor(private readonly options: UntargetedOptions) {}

  /** Whether this controller holds the Lease, and so owns the hooks without spec.nodeName. */
  get leader(): boolean {
    return this.holding;
  }

  /** Campaigns until `signal` aborts; while leader, watches the untargeted hooks and reports unclaimed ones. */
  async run(signal: AbortSignal): Promise<void> {
    const { client, hooks, enqueue, logger, metrics, now } = this.options;
    let duties: AbortController | undefined;
    const elector = new LeaseElector(client, {
      ...this.options.lease,
      logger,
      now,
      onChange: (leader) => {
        this.holding = leader;
        metrics.leader.set(leader ? 1 : 0);
        duties?.abort();
        duties = undefined;
        for (const key of hooks.clear(SOURCE_UNTARGETED)) enqueue(key);
        if (!leader) return;
        duties = new AbortController();
        this.lead(AbortSignal.any([signal, duties.signal]));
      },
    });
    await elector.run(signal);
    duties?.abort();
  }

  private lead(signal: AbortSignal): void {
    const { client, namespace, serverSideFilter, hooks, enqueue, status, logger, now } = this.options;
    void reportLostNodes({ client, namespace, config: this.options.lostNodes, status, logger, now }, signal);
    if (this.options.allNodes) {
      for (const key of hooks.keys()) enqueue(key);
      return;
    }
    void reportUnclaimed(
      {
        client,
        namespace,
        fieldSelector: serverSideFilter ? "status.nodeName=" : undefined,
        config: this.options.unclaimed,
        status: this.options.status,
        events: this.options.events,
        logger: this.options.logger,
        now: this.options.now,
      },
      signal,
    );
    if (serverSideFilter) void this.watch(signal);
    else for (const hook of hooks.values()) if (!hook.spec.nodeName) enqueue(keyOf(hook));
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const { client, namespace, retry, logger } = this.options;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const stream = await client.watchHooks({ namespace, fieldSelector: UNTARGETED_SELECTOR, signal });
        await this.options.feed(SOURCE_UNTARGETED, stream);
        return;
      } catch (err) {
        if (signal.aborted) return;
        logger.warn({ error: errorText(err) }, "watching hooks without spec.nodeName failed, retrying");
        await sleep(backoffDelay(attempt, retry.baseMs, retry.maxMs), signal);
      }
    }
  }
}
