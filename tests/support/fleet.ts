// Runs FleetControllers over a MemoryClient for unit tests, and makes the Nodes and agent pods they read.

import type { Node, Pod } from "../../lib/core/types.ts";
import { defaultFleetConfig, type FleetConfig } from "../../lib/fleet/config.ts";
import { FleetController } from "../../lib/fleet/fleet.ts";
import { createLogger } from "../../lib/observe/logger.ts";
import { Metrics } from "../../lib/observe/metrics.ts";
import type { MemoryClient } from "./memory-client.ts";

const NS = "plexd-system";
const running: Array<{ stop: AbortController; done: Promise<unknown> }> = [];

/** Starts a fleet controller with fast retries and Lease periods, then `edit`. */
export function launchFleet(client: MemoryClient, edit: (config: FleetConfig) => void = () => {}) {
  const config = defaultFleetConfig({ namespace: NS });
  config.retry = { baseMs: 5, maxMs: 50 };
  config.lease.retryPeriodMs = 10;
  config.lease.takeoverJitterMs = 0;
  edit(config);
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  const fleet = new FleetController({ client, config, metrics: new Metrics(), logger });
  const stop = new AbortController();
  const done = fleet.start(stop.signal);
  done.catch(() => {});
  running.push({ stop, done });
  return { fleet, stop, done, lines };
}

export async function stopFleets(): Promise<void> {
  for (const { stop, done } of running.splice(0)) {
    stop.abort(new Error("test done"));
    await done.catch(() => {});
  }
}

/** A Node as the API server holds it; `hostname` defaults to its name. */
export function node(
  name: string,
  opts: { ready?: boolean; unschedulable?: boolean; controlPlane?: boolean; hostname?: string } = {},
): Node {
  return {
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": opts.hostname ?? name,
        ...(opts.controlPlane && { "node-role.kubernetes.io/control-plane": "" }),
      },
    },
    spec: { unschedulable: opts.unschedulable ?? false },
    status: { conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }] },
  };
}

/** A node agent's pod (the DaemonSet's labels) on `nodeName`. */
export function agentPod(nodeName: string, ready = true): Pod {
  return {
    metadata: {
      name: `plexd-hook-${nodeName}`,
      namespace: NS,
      labels: { "app.kubernetes.io/name": "plexd-hook", "app.kubernetes.io/component": "controller" },
    },
    spec: { nodeName, containers: [] },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}
