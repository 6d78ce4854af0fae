// Lease-based election of the one controller that takes hooks without spec.nodeName.

import type { Logger } from "pino";
import { sleep } from "../core/time.ts";
import type { KubeClient, Lease } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";
import type { LeaseConfig } from "./config.ts";

export interface ElectorOptions extends LeaseConfig {
  logger: Logger;
  onChange: (leader: boolean) => void;
  now?: () => Date;
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/**
 * Expiry is judged by this process's own clock from when it last saw the lease change (as client-go
 * does), so skew between nodes cannot make two holders.
 */
export class LeaseElector {
  private readonly client: KubeClient;
  private readonly options: ElectorOptions;
  private leader = false;
  private observedRenew: string | undefined;
  private observedAt = 0;
  private lastRenewed = 0;
  private lastError = "";

  constructor(client: KubeClient, options: ElectorOptions) {
    this.client = client;
    this.options = options;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.options.logger.info(
      { lease: this.options.name, identity: this.options.identity, leader },
      leader ? "became leader" : "lost leadership",
    );
    this.options.onChange(leader);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** One attempt to acquire or renew; returns whether this process holds the lease afterwards. */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = this.now();
    const current = await this.client.getLease(namespace, name, signal);
    const spec: Lease["spec"] = { holderIdentity: identity, leaseDurationSeconds, renewTime: microTime(now) };
    if (!current) {
      await this.client.putLease(
        { metadata: { namespace, name }, spec: { ...spec, acquireTime: spec.renewTime, leaseTransitions: 0 } },
        signal,
      );
      return true;
    }
    const renew = current.spec.renewTime ?? "";
    if (renew !== this.observedRenew || current.spec.holderIdentity !== identity) {
      if (renew !== this.observedRenew) this.observedAt = now.getTime();
      this.observedRenew = renew;
    }
    const holder = current.spec.holderIdentity ?? "";
    const expired = now.getTime() > this.observedAt + (current.spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const transitions = (current.spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    const acquireTime = holder === identity ? current.spec.acquireTime : spec.renewTime;
    await this.client.putLease(
      { metadata: current.metadata, spec: { ...spec, acquireTime, leaseTransitions: transitions } },
      signal,
    );
    return true;
  }

  /** Campaigns until `signal` aborts, then gives the lease up so another controller need not wait for expiry. */
  async run(signal: AbortSignal): Promise<void> {
    const { retryPeriodMs, leaseDurationSeconds, logger } = this.options;
    const renewDeadlineMs = (leaseDurationSeconds * 1000 * 2) / 3;
    while (!signal.aborted) {
      // A leader's attempt may last only until its renew deadline: past it, others may take over.
      const budgetMs = this.leader ? renewDeadlineMs - (Date.now() - this.lastRenewed) : renewDeadlineMs;
      if (budgetMs <= 0) this.set(false);
      try {
        const held = await this.tryAcquireOrRenew(AbortSignal.timeout(Math.max(budgetMs, 1)));
        if (held) this.lastRenewed = Date.now();
        this.lastError = "";
        this.set(held);
      } catch (err) {
        const error = errorText(err);
        // Said once per distinct error: a forbidden or broken Lease must be visible, but not every 2 s.
        if (error !== this.lastError) logger.warn({ lease: this.options.name, error }, "lease attempt failed");
        this.lastError = error;
        // Stop acting before the lease can expire for the others.
        if (this.leader && Date.now() - this.lastRenewed > renewDeadlineMs) this.set(false);
      }
      await sleep(retryPeriodMs, signal);
    }
    if (this.leader) await this.release();
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    this.set(false);
    try {
      const current = await this.client.getLease(namespace, name);
      if (current?.spec.holderIdentity !== identity) return;
      await this.client.putLease({
        metadata: current.metadata,
        spec: { ...current.spec, holderIdentity: "", leaseDurationSeconds: 1 },
      });
    } catch (err) {
      this.options.logger.debug({ error: errorText(err) }, "lease release failed");
    }
  }
}
