// The controller's configuration: built once by the caller with every default applied, handed to each part as a named slice.

import { ALL_NODES_LEASE_NAME, FLEET_LEASE_NAME } from "../constants.ts";

/** Capped exponential backoff: failed reconciles and broken watches wait between base and max. */
export interface RetryConfig {
  baseMs: number;
  maxMs: number;
}

/** What reconcile() waits for before it calls a hook Failed. */
export interface ReconcileConfig {
  /** Transient API errors on Job creation are retried for this long before the hook is called Failed. */
  transientRetryWindowMs: number;
  /**
   * A Job create the authorizer refuses (RBAC's "cannot create resource") is retried this long before
   * the hook is called Failed: right after an API server (re)starts, its authorizer may not know the
   * RoleBindings yet. Admission and quota refusals are not retried.
   */
  forbiddenRetryWindowMs: number;
  /** How soon to look again at a hook whose Job name is held by another owner (usually GC on its way). */
  ownedElsewhereRetryMs: number;
  /** How long after the hook's creation that wait ends in Failed. */
  ownedElsewhereGiveUpMs: number;
}

/**
 * The Lease that elects one replica: the acting fleet controller, or the one writing replica in
 * cluster mode. Node agents hold none. See docs/scale.md for the arithmetic behind the periods.
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
  /** Followers wait this long more (at the start too) before taking a free Lease: a replica that defers to others. */
  takeoverDelayMs?: number;
}

/** The fleet controller reports targeted hooks that no agent has taken this long after creation. */
export interface UnclaimedConfig {
  afterMs: number;
  /** How often it looks. */
  everyMs: number;
}

/** The Lease holder (fleet controller, cluster mode) reports hooks whose node has been NotReady or gone this long: nobody else would write their status. */
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
  /** Cluster mode only. */
  lease: LeaseConfig;
  /** Cluster mode only: the fleet controller's Lease, held to drain and run rollouts (never both at once with a fleet controller). */
  fleetLease: LeaseConfig;
  /** Cluster mode only: an agent's node is lost with it, so the fleet controller reports for agents. */
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
    reconcile: {
      transientRetryWindowMs: 120_000,
      forbiddenRetryWindowMs: 15_000,
      ownedElsewhereRetryMs: 2_000,
      ownedElsewhereGiveUpMs: 60_000,
    },
    lease: defaultLease(namespace, ALL_NODES_LEASE_NAME, nodeName || "cluster"),
    // Cluster mode defers to a fleet controller: it takes the fleet's Lease only once that has been free a while.
    fleetLease: { ...defaultLease(namespace, FLEET_LEASE_NAME, nodeName || "cluster"), takeoverDelayMs: 15_000 },
    lostNodes: defaultLostNodes(),
    now: () => new Date(),
  };
}

/** A Lease with the project's periods; `holder` starts the identity, which is unique per process. */
export function defaultLease(namespace: string, name: string, holder: string): LeaseConfig {
  return {
    namespace: namespace || "default",
    name,
    identity: `${holder}_${crypto.randomUUID().slice(0, 8)}`,
    leaseDurationSeconds: 60,
    retryPeriodMs: 15_000,
    // Replicas wait a random moment before taking a free Lease, so they do not rush it together.
    takeoverJitterMs: 5_000,
  };
}

/** Longer than the hook pods' NoExecute tolerations, so a pod on an unreachable node is gone by then. */
export function defaultLostNodes(): LostNodesConfig {
  return { afterMs: 10 * 60_000, everyMs: 60_000 };
}
