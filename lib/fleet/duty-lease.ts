// The cluster-wide duties (hooks, drains, rollouts): run only while holding the fleet's Lease, made anew each term.

import type { Logger } from "pino";
import type { LeaseConfig, RetryConfig } from "../controller/config.ts";
import { LeaseElector } from "../controller/leader.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Duty } from "./fleet.ts";
import { keepRunning } from "./keep.ts";

export interface DutyLeaseOptions {
  client: KubeClient;
  /** The fleet controller's Lease (plexd-hook-fleet): whoever holds it, and only they, drains and runs rollouts. */
  lease: LeaseConfig;
  /** Made anew each time the Lease is won, so their caches start from full lists. */
  duties: () => Duty[];
  retry: RetryConfig;
  logger: Logger;
  now: () => Date;
  /** Told each time this process wins or loses the Lease. */
  onChange?: (leader: boolean) => void;
}

/**
 * The fleet controller runs its duties under it, and so does cluster mode (`--all-nodes`, drains and
 * rollouts). Two actors doing either at once would cordon two nodes where a rollout allows one, and evict
 * twice: so both campaign for the one Lease, and a cluster-mode replica runs them only while it, not a
 * fleet controller, holds it.
 */
export class DutyLease {
  private holding = false;

  constructor(private readonly options: DutyLeaseOptions) {}

  get leader(): boolean {
    return this.holding;
  }

  /** Campaigns until `signal` aborts; the duties of a term are finished before the Lease is given up. */
  async run(signal: AbortSignal): Promise<void> {
    const { client, lease, retry, logger, now } = this.options;
    let term: { stop: AbortController; done: Promise<unknown> } | undefined;
    const stopTerm = async (): Promise<void> => {
      const current = term;
      term = undefined;
      current?.stop.abort();
      await current?.done;
    };
    const elector = new LeaseElector(client, {
      ...lease,
      logger,
      now,
      onChange: (leader) => {
        this.holding = leader;
        this.options.onChange?.(leader);
        void stopTerm();
        if (!leader) return;
        const stop = new AbortController();
        const during = AbortSignal.any([signal, stop.signal]);
        term = {
          stop,
          done: Promise.all(
            this.options.duties().map((duty) => keepRunning(duty.name, () => duty.run(during), during, retry, logger)),
          ),
        };
      },
    });
    const electing = new AbortController();
    signal.addEventListener("abort", () => void stopTerm().finally(() => electing.abort()), { once: true });
    try {
      await elector.run(electing.signal);
    } finally {
      await stopTerm();
    }
  }
}
