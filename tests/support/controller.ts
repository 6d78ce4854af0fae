// Runs PlexdHookControllers over a MemoryClient for unit tests: fast retries, captured log lines, one stop for all.

import type { Logger } from "pino";
import { type ControllerConfig, defaultConfig } from "../../lib/controller/config.ts";
import { PlexdHookController } from "../../lib/controller/controller.ts";
import type { Duty } from "../../lib/fleet/fleet.ts";
import { createLogger } from "../../lib/observe/logger.ts";
import { Metrics } from "../../lib/observe/metrics.ts";
import type { MemoryClient } from "./memory-client.ts";

export const NS = "plexd-system";

type Line = Record<string, unknown>;
const running: Array<{ controller: PlexdHookController; done: Promise<unknown> }> = [];

/** The defaults, with retries fast enough for a unit test, then `edit`. */
function testConfig(nodeName: string, edit: (config: ControllerConfig) => void): ControllerConfig {
  const config = defaultConfig({ namespace: NS, nodeName });
  config.retry = { baseMs: 5, maxMs: 50 };
  config.lease.retryPeriodMs = 10;
  config.fleetLease.retryPeriodMs = 10;
  config.fleetLease.takeoverJitterMs = 0;
  config.fleetLease.takeoverDelayMs = 0;
  config.reconcile.ownedElsewhereRetryMs = 20;
  edit(config);
  return config;
}

/** Starts a controller for `node`; `logged(msg)` returns the JSON log lines with that message. */
export function launch(
  client: MemoryClient,
  node = "node-a",
  edit: (config: ControllerConfig) => void = () => {},
  signal?: AbortSignal,
  duties?: (metrics: Metrics, logger: Logger) => Duty[],
) {
  const lines: Line[] = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  const metrics = new Metrics();
  const controller = new PlexdHookController({
    ...{ client, config: testConfig(node, edit), metrics, logger },
    ...(duties && { duties: () => duties(metrics, logger) }),
  });
  const done = controller.start(signal);
  done.catch(() => {});
  running.push({ controller, done });
  const logged = (msg: string) => lines.filter((l) => l.msg === msg);
  return { controller, done, lines, logged };
}

/** Stops every controller launch() started; call it from afterEach. */
export async function stopAll(): Promise<void> {
  for (const { controller, done } of running.splice(0)) {
    controller.stop();
    await done.catch(() => {});
  }
}

export const phaseOf = (client: MemoryClient, name: string) => client.hook(name)?.status?.phase;
