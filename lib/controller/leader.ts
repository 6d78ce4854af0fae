// Lease-based election of one controller: the holder renews, everyone else watches the Lease and makes no request.

import type { Logger } from "pino";
import { backoffDelay, sleep } from "../core/time.ts";
import type { KubeClient, Lease } from "../kube/client.ts";
import { errorText, isConflict } from "../kube/errors.ts";
import type { LeaseConfig } from "./config.ts";

export interface ElectorOptions extends LeaseConfig {
  logger: Logger;
  onChange: (leader: boolean) => void;
  /** The wall clock, for the times written in the Lease. */
  now?: () => Date;
  /** Milliseconds on a monotonic clock, for expiry and the renew deadline (default performance.now()). */
  elapsed?: () => number;
}

/** @internal metav1.MicroTime wants exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Whether resourceVersion `a` is older than `b`: kube-apiserver's are etcd revisions, integers that only grow. */
function isOlder(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) < BigInt(b);
}

/**
 * Expiry is judged by this process's own monotonic clock from when it last saw the lease change (as
 * client-go does), so skew between nodes cannot make two holders. Followers learn of every change from a watch
 * on the one Lease, so a fleet of followers costs the API server watches, not requests.
 */
export class LeaseElector {
  private leader = false;
  /** The Lease as last seen (watch or own write); undefined: not known, read it first. */
  private known: Lease | undefined;
  private observedRenew: string | undefined;
  private observedAt = 0;
  /** The newest resourceVersion taken in: a watch event older than it (our own write overtook it) is stale. */
  private version: string | undefined;
  /** When this process last renewed, on the monotonic clock. */
  private lastRenewed = 0;
  private lastError = "";
  /** Attempts that failed in a row (not lost to another writer): the next wait grows with them. */
  private failures = 0;
  private wake: (() => void) | undefined;
  /** Whether the watch on the Lease is running: without it, followers poll as before. */
  private watching = false;

  constructor(
    private readonly client: KubeClient,
    private readonly options: ElectorOptions,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    const { name, identity } = this.options;
    this.options.logger.info({ lease: name, identity, leader }, leader ? "became leader" : "lost leadership");
    this.options.onChange(leader);
  }

  private now(): number {
    return (this.options.now?.() ?? new Date()).getTime();
  }

  /** A wall clock that NTP steps would expire a Lease early or late; the REST layer times requests the same way. */
  private elapsed(): number {
    return this.options.elapsed?.() ?? performance.now();
  }

  /** Takes in the Lease as the watch (or a read, or our own write) delivered it; `version` is that of the change. */
  observe(lease: Lease | undefined, version = lease?.metadata.resourceVersion): void {
    if (isOlder(version, this.version)) return;
    this.version = version ?? this.version;
    this.known = lease;
    const renew = lease?.spec.renewTime ?? "";
    if (renew !== this.observedRenew) {
      this.observedRenew = renew;
      this.observedAt = this.elapsed();
    }
    if (this.leader && lease && lease.spec.holderIdentity !== this.options.identity) this.set(false);
    this.wake?.();
  }

  /** Milliseconds until the known Lease may be taken by this process; 0 when free or expired. */
  private msUntilFree(): number {
    const lease = this.known;
    if (!lease?.spec.holderIdentity || lease.spec.holderIdentity === this.options.identity) return 0;
    const duration = (lease.spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
    return Math.max(0, this.observedAt + duration - this.elapsed() + 1);
  }

  /** One attempt to acquire or renew; returns whether this process holds the lease afterwards. */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    if (!this.known || !this.watching) this.observe(await this.client.getLease(namespace, name, signal));
    const current = this.known;
    const spec: Lease["spec"] = { holderIdentity: identity, leaseDurationSeconds, renewTime: microTime(new Date(this.now())) };
    const holder = current?.spec.holderIdentity ?? "";
    if (holder && holder !== identity && this.msUntilFree() > 0) return false;
    const transitions = (current?.spec.leaseTransitions ?? 0) + (current && holder !== identity ? 1 : 0);
    const acquireTime = holder === identity ? current?.spec.acquireTime : spec.renewTime;
    try {
      const written = await this.client.putLease(
        { metadata: current?.metadata ?? { namespace, name }, spec: { ...spec, acquireTime, leaseTransitions: transitions } },
        signal,
      );
      this.observe(written);
      return true;
    } catch (err) {
      // Someone else wrote first (or our copy was behind): the watch brings the news; without it, read again.
      if (!isConflict(err) && (err as { reason?: string }).reason !== "AlreadyExists") throw err;
      if (!this.watching) this.known = undefined;
      return false;
    }
  }

  /** Campaigns until `signal` aborts, then gives the lease up so another controller need not wait for expiry. */
  async run(signal: AbortSignal): Promise<void> {
    const watch = this.watch(signal);
    const { retryPeriodMs, leaseDurationSeconds, logger } = this.options;
    const renewDeadlineMs = (leaseDurationSeconds * 1000 * 2) / 3;
    // Whoever else campaigns gets the first go at a free Lease.
    if (this.options.takeoverDelayMs) await sleep(this.options.takeoverDelayMs, signal);
    while (!signal.aborted) {
      if (!this.leader) {
        await this.untilFree(signal);
        if (signal.aborted) break;
      }
      // A leader's attempt may last only until its renew deadline: past it, others may take over.
      const budgetMs = this.leader ? renewDeadlineMs - (this.elapsed() - this.lastRenewed) : renewDeadlineMs;
      if (budgetMs <= 0) this.set(false);
      try {
        const held = await this.tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(Math.max(budgetMs, 1))]));
        if (held) this.lastRenewed = this.elapsed();
        this.lastError = "";
        this.failures = 0;
        this.set(held);
      } catch (err) {
        if (signal.aborted) break;
        const error = errorText(err);
        // Said once per distinct error: a forbidden or broken Lease must be visible, but not on every try.
        if (error !== this.lastError) logger.warn({ lease: this.options.name, error }, "lease attempt failed");
        this.lastError = error;
        this.failures++;
        // Stop acting before the lease can expire for the others.
        if (this.leader && this.elapsed() - this.lastRenewed > renewDeadlineMs) this.set(false);
        await sleep(this.afterFailureMs(), signal);
        continue;
      }
      // A holder renews on its period; a follower whose attempt lost waits for the watch to show the winner.
      if (this.leader || !this.watching) await sleep(retryPeriodMs, signal);
      else await this.nextChange(retryPeriodMs, signal);
    }
    if (this.leader) await this.release();
    await watch;
  }

  /**
   * The wait after a failed attempt (an overloaded API server's 429, a timeout): a holder tries again
   * soon, within its renew deadline, so one lost renewal does not cost the Lease; a follower backs off
   * further each time, so a fleet does not answer an overloaded API server with more requests.
   */
  private afterFailureMs(): number {
    const { retryPeriodMs } = this.options;
    const attempt = this.failures - 1;
    if (this.leader) return backoffDelay(attempt, Math.min(1_000, retryPeriodMs), retryPeriodMs / 3);
    return backoffDelay(attempt, retryPeriodMs, 8 * retryPeriodMs);
  }

  /** Resolves when the watch shows a change, or after `ms`. */
  private async nextChange(ms: number, signal: AbortSignal): Promise<void> {
    const changed = new Promise<void>((resolve) => (this.wake = resolve));
    await Promise.race([sleep(ms, signal), changed]);
    this.wake = undefined;
  }

  /** Waits until the Lease is free or expired, then a random moment more, so a fleet does not rush it at once. */
  private async untilFree(signal: AbortSignal): Promise<void> {
    for (let jittered = false; this.watching && !signal.aborted; ) {
      const waitMs = this.msUntilFree();
      if (waitMs === 0 && jittered) return;
      jittered = waitMs === 0;
      const { takeoverJitterMs, takeoverDelayMs = 0 } = this.options;
      await this.nextChange(waitMs > 0 ? waitMs : takeoverDelayMs + Math.random() * takeoverJitterMs, signal);
    }
  }

  /** Follows the Lease; falls back to polling (watching = false) while the watch cannot be opened. */
  private async watch(signal: AbortSignal): Promise<void> {
    const { namespace, name, logger } = this.options;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const stream = await this.client.watchLease(namespace, name, signal);
        this.watching = true;
        for await (const event of stream) {
          if (event.type === "SYNCED") continue;
          this.observe(event.type === "DELETED" ? undefined : event.object, event.object.metadata.resourceVersion);
          attempt = 0;
        }
      } catch (err) {
        if (signal.aborted) break;
        logger.warn({ lease: name, error: errorText(err) }, "watching the lease failed, polling it meanwhile");
      }
      this.watching = false;
      this.wake?.();
      await sleep(backoffDelay(attempt, 1_000, 60_000), signal);
    }
    this.watching = false;
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
