// The controller's configuration: built once by the caller with every default applied, handed to each part as a named slice.

import { ALL_NODES_LEASE_NAME, UNTARGETED_LEASE_NAME } from "../constants.ts";

/** Capped exponential backoff: failed reconciles and broken watches wait between base and max. */
export interface RetryConfig {
  baseMs: number;
  maxMs: number;
}

/** What reconcile() waits for before it calls a hook Failed. */
export interface ReconcileConfig {
  /** Transient API errors on Job creation are retried for this long before the hook is called Failed. */
  transientRetryWindowMs: number;
  /** How soon to look again at a hook whose Job name is held by another owner (usually GC on its way). */
  ownedElsewhereRetryMs: number;
  /** How long after the hook's creation that wait ends in Failed. */
  ownedElsewhereGiveUpMs: number;
}

/**
 * The Lease that elects one controller: in node mode the one for hooks without spec.nodeName, in
 * cluster mode the one replica that writes. See docs/scale.md for the arithmetic behind the periods.
 */
export interface LeaseConfig {
  namespace: string;
  name: string;
  /** Unique per process: `<node>_<random>`. */
  identity: string;
  leaseDurationSeconds: number;
  /** How often the holder renews (followers watch the Lease and make no requests). */
  retryPeriodMs: number;
  /** Followers wait a random moment up to this long before taking a free Lease, so a fleet does not rush it. */
  takeoverJitterMs: number;
}

/** The Lease holder reports targeted hooks that no controller has taken this long after creation. */
export interface UnclaimedConfig {
  afterMs: number;
  /** How often it looks. */
  everyMs: number;
}

/** The Lease holder reports hooks whose node has been NotReady or gone this long: nobody else would write their status. */
export interface LostNodesConfig {
  afterMs: number;
  /** How often it looks. */
  everyMs: number;
}

export interface ControllerConfig {
  /** The namespace whose hooks this controller handles. */
  namespace: string;
  /** This controller's node; in cluster mode the default node for hooks that name none (may be ""). */
  nodeName: string;
  /** Cluster mode: handle every hook, pinning each Job to spec.nodeName (or nodeName). */
  allNodes: boolean;
  /** Reconciles running at once. */
  workers: number;
  /** Every hook is looked at again this often, whatever the watches said. */
  resyncPeriodMs: number;
  retry: RetryConfig;
  reconcile: ReconcileConfig;
  lease: LeaseConfig;
  unclaimed: UnclaimedConfig;
  lostNodes: LostNodesConfig;
  now: () => Date;
}

/** The whole configuration with defaults for everything but where the controller acts. */
export function defaultConfig(scope: { namespace: string; nodeName: string; allNodes?: boolean }): ControllerConfig {
  const { namespace, nodeName, allNodes = false } = scope;
  return {
    namespace,
    nodeName,
    allNodes,
    workers: 16,
    resyncPeriodMs: 5 * 60_000,
    retry: { baseMs: 200, maxMs: 30_000 },
    reconcile: { transientRetryWindowMs: 120_000, ownedElsewhereRetryMs: 2_000, ownedElsewhereGiveUpMs: 60_000 },
    lease: {
      namespace: namespace || "default",
      name: allNodes ? ALL_NODES_LEASE_NAME : UNTARGETED_LEASE_NAME,
      identity: `${nodeName || "cluster"}_${crypto.randomUUID().slice(0, 8)}`,
      leaseDurationSeconds: 60,
      retryPeriodMs: 15_000,
      // Spread wide enough that in a large fleet the first taker's write reaches the others before most try.
      takeoverJitterMs: 5_000,
    },
    // Once a minute: the holder's periodic lists cost the cluster, not each node (docs/scale.md).
    unclaimed: { afterMs: 60_000, everyMs: 60_000 },
    // Longer than the hook pods' NoExecute tolerations, so a pod on an unreachable node is gone by then.
    lostNodes: { afterMs: 10 * 60_000, everyMs: 60_000 },
    now: () => new Date(),
  };
}
