// FleetController: the replicated controller that holds every cluster-wide duty, acting while it holds the Lease.

import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { FleetConfig } from "./config.ts";
import { DutyLease } from "./duty-lease.ts";
import { FleetHookController } from "./hook-controller.ts";

const LOG_FLEET_STARTED = "plexd-hook fleet controller started";

/** A further duty of the Lease holder (rollouts, drains): made anew each time the Lease is won, run until it is lost. */
export interface Duty {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface FleetOptions {
  client: KubeClient;
  config: FleetConfig;
  metrics: Metrics;
  logger: Logger;
  /** Makes the further duties, each term of leadership afresh: their caches start from full lists. */
  duties?: () => Duty[];
}

export class FleetController {
  private campaigning = false;
  private leading = false;

  constructor(private readonly options: FleetOptions) {}

  /** Ready once campaigning: a replica waiting for the Lease is ready to take over (and counts for the PDB). */
  get ready(): boolean {
    return this.campaigning;
  }

  get leader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns for the Lease until `signal` aborts; while holding it, runs the duties. On abort the
   * duties finish their reconciles in flight before the Lease is given up.
   */
  async start(signal: AbortSignal): Promise<void> {
    const { client, config, metrics, logger } = this.options;
    logger.info({ namespace: config.namespace, lease: config.lease.name }, LOG_FLEET_STARTED);
    const lease = new DutyLease({
      client,
      lease: config.lease,
      retry: config.retry,
      logger,
      now: config.now,
      duties: () => [new FleetHookController({ client, config, metrics, logger }), ...(this.options.duties?.() ?? [])],
      onChange: (leader) => {
        this.leading = leader;
        metrics.leader.set(leader ? 1 : 0);
      },
    });
    this.campaigning = true;
    try {
      await lease.run(signal);
    } finally {
      this.campaigning = false;
    }
    if (signal.aborted) throw signal.reason;
  }
}
