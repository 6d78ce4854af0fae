// Cluster mode's Lease: of several --all-nodes replicas only the holder writes, and it reports hooks whose node was lost.

import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { LeaseConfig, LostNodesConfig } from "./config.ts";
import type { HookLister } from "./hook-cache.ts";
import { LeaseElector } from "./leader.ts";
import { reportLostNodes } from "./lost-nodes.ts";
import type { StatusWriter } from "./status-writer.ts";

export interface ClusterLeaseOptions {
  client: KubeClient;
  namespace: string;
  lease: LeaseConfig;
  lostNodes: LostNodesConfig;
  hooks: HookLister;
  enqueue: (key: string) => void;
  statusWriter: StatusWriter;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
}

export class ClusterLease {
  private holding = false;

  constructor(private readonly options: ClusterLeaseOptions) {}

  /** Whether this replica holds the Lease, and so writes. */
  get leader(): boolean {
    return this.holding;
  }

  /**
   * Campaigns until `signal` aborts; on taking the Lease looks at every hook again and starts the
   * lost-node report. Drains and rollouts are not this Lease's: see DutyLease.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { client, namespace, hooks, enqueue, statusWriter, metrics, logger, now } = this.options;
    // A term of holding the Lease: the lost-node report runs for as long as it lasts.
    let term: AbortController | undefined;
    const elector = new LeaseElector(client, {
      ...this.options.lease,
      logger,
      now,
      onChange: (leader) => {
        this.holding = leader;
        metrics.leader.set(leader ? 1 : 0);
        term?.abort();
        term = undefined;
        if (!leader) return;
        term = new AbortController();
        const during = AbortSignal.any([signal, term.signal]);
        void reportLostNodes({ client, namespace, config: this.options.lostNodes, statusWriter, logger, now }, during);
        for (const key of hooks.keys()) enqueue(key);
      },
    });
    await elector.run(signal);
    term?.abort();
  }
}
