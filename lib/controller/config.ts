// Controller settings and their defaults.

import { UNTARGETED_LEASE_NAME } from "../constants.ts";

export interface ControllerConfig {
  /** Reconciles running at once. */
  workers: number;
  /** Every hook is looked at again this often, whatever the watches said. */
  resyncPeriodMs: number;
  /** Cluster mode: handle every hook, pinning each Job to spec.nodeName (or the controller's node name). */
  allNodes: boolean;
  /** Where the Lease for hooks without spec.nodeName lives; defaults to the watched namespace. */
  leaseNamespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  leaseRetryPeriodMs: number;
  /** Unique per process; defaults to `<node>_<random>`. */
  identity: string;
  /** Transient API errors on Job creation are retried for this long before the hook is called Failed. */
  transientRetryWindowMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  ownedElsewhereRetryMs: number;
  ownedElsewhereGiveUpMs: number;
  /** The Lease holder reports targeted hooks that no controller has taken this long after creation. */
  unclaimedAfterMs: number;
  unclaimedCheckMs: number;
  now: () => Date;
}

export const DEFAULT_CONFIG: ControllerConfig = {
  workers: 16,
  resyncPeriodMs: 5 * 60_000,
  allNodes: false,
  leaseNamespace: "",
  leaseName: UNTARGETED_LEASE_NAME,
  leaseDurationSeconds: 15,
  leaseRetryPeriodMs: 2_000,
  identity: "",
  transientRetryWindowMs: 120_000,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
  ownedElsewhereRetryMs: 2_000,
  ownedElsewhereGiveUpMs: 60_000,
  unclaimedAfterMs: 60_000,
  unclaimedCheckMs: 15_000,
  now: () => new Date(),
};

/** Fills every setting the caller left out. */
export function withDefaults(config: Partial<ControllerConfig>, namespace: string, nodeName: string): ControllerConfig {
  const merged: ControllerConfig = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  merged.leaseNamespace ||= namespace || "default";
  merged.identity ||= `${nodeName || "cluster"}_${crypto.randomUUID().slice(0, 8)}`;
  return merged;
}
