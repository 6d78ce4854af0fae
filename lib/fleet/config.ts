// The fleet controller's configuration: built once by the caller with every default applied.

import { FLEET_LEASE_NAME } from "../constants.ts";
import {
  defaultConfig,
  defaultLease,
  defaultLostNodes,
  type LeaseConfig,
  type LostNodesConfig,
  type ReconcileConfig,
  type RetryConfig,
  type UnclaimedConfig,
} from "../controller/config.ts";
import { type DrainConfig, defaultDrainConfig } from "./drain/controller.ts";

/** The labels of the node agents' pods (the DaemonSet's selector). */
export const AGENT_POD_SELECTOR = "app.kubernetes.io/name=plexd-hook,app.kubernetes.io/component=controller";

export interface FleetConfig {
  /** The namespace whose hooks the fleet controller serves; the agents' pods live there too. */
  namespace: string;
  /** The node agents' pods; "" counts every Ready node as having one (agents run outside pods: laptops, tests). */
  agentSelector: string;
  /** Reconciles running at once. */
  workers: number;
  /** Every hook is looked at again this often, whatever the watches said. */
  resyncPeriodMs: number;
  retry: RetryConfig;
  reconcile: ReconcileConfig;
  lease: LeaseConfig;
  unclaimed: UnclaimedConfig;
  lostNodes: LostNodesConfig;
  /** The drain duty (spec.drain). */
  drain: DrainConfig;
  now: () => Date;
}

export function defaultFleetConfig(scope: { namespace: string; agentSelector?: string }): FleetConfig {
  const { workers, resyncPeriodMs, retry, reconcile, now } = defaultConfig({ namespace: scope.namespace, nodeName: "" });
  return {
    namespace: scope.namespace,
    agentSelector: scope.agentSelector ?? AGENT_POD_SELECTOR,
    workers,
    resyncPeriodMs,
    retry,
    reconcile,
    lease: defaultLease(scope.namespace, FLEET_LEASE_NAME, "fleet"),
    // Once a minute: the holder's periodic lists cost the cluster once, not once per node (docs/scale.md).
    unclaimed: { afterMs: 60_000, everyMs: 60_000 },
    lostNodes: defaultLostNodes(),
    drain: defaultDrainConfig(),
    now,
  };
}
