// plexd-hook: the only composition root. Parse flags, build the config, create the client, wire, run, exit.

import { homedir } from "node:os";
import type { Server } from "bun";
import { explain } from "./lib/cli/explain.ts";
import { type Cli, commandHelp, helpText, isOperatorCommand, parseCli, UsageError } from "./lib/cli/flags.ts";
import { type LoadedKubeConfig, loadKubeConfig } from "./lib/cli/kubeconfig.ts";
import { type Program, pluginHelp, programFor } from "./lib/cli/plugin.ts";
import { rolloutCommand } from "./lib/cli/rollout/command.ts";
import { runCommand, type Subcommand } from "./lib/cli/run/command.ts";
import { terminalConfirm } from "./lib/cli/run/confirm.ts";
import { logsCommand } from "./lib/cli/run/logs-command.ts";
import { ENV_NODE_NAME, ENV_TEST_CLOCK_OFFSET } from "./lib/constants.ts";
import { type ControllerConfig, defaultConfig } from "./lib/controller/config.ts";
import { PlexdHookController } from "./lib/controller/controller.ts";
import { defaultFleetConfig, type FleetConfig } from "./lib/fleet/config.ts";
import { DrainController, defaultDrainConfig } from "./lib/fleet/drain/controller.ts";
import { FleetController } from "./lib/fleet/fleet.ts";
import { RolloutController } from "./lib/fleet/rollout/controller.ts";
import { NodeKubeClient } from "./lib/kube/node-client.ts";
import { RestRolloutClient } from "./lib/kube/rollout-client.ts";
import { renderManifests } from "./lib/manifests.ts";
import { serveHealth } from "./lib/observe/http.ts";
import { createLogger } from "./lib/observe/logger.ts";
import { Metrics } from "./lib/observe/metrics.ts";
import { WebhookMetrics } from "./lib/webhook/metrics.ts";
import { serveWebhook, type WebhookServer } from "./lib/webhook/server.ts";
import pkg from "./package.json" with { type: "json" };

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Whether stderr is a terminal: `run` then draws a spinner or a live table. */
  tty?: boolean;
  /** Asks a yes/no question (Ctrl-C during `run`); without it the answer is no. */
  confirm?(question: string): Promise<boolean>;
}

/** Commands for people with flags of their own; they come first on the command line. */
const SUBCOMMANDS: Record<string, Subcommand> = { run: runCommand, logs: logsCommand, rollout: rolloutCommand };

/** After SIGTERM, in-flight writes get this long before the process gives up on them. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Look often enough that a short --unclaimed-after or --node-lost-after means what it says. */
function every(seconds: number): { afterMs: number; everyMs: number } {
  return { afterMs: seconds * 1000, everyMs: Math.min(60_000, seconds * 250) };
}

/** The node agent's (or cluster mode's) configuration from the flags: units converted, every default applied. */
function controllerConfig(cli: Cli): ControllerConfig {
  const config = defaultConfig({ namespace: cli.namespace, nodeName: cli.nodeName, allNodes: cli.allNodes });
  if (cli.workers) config.workers = cli.workers;
  if (cli.nodeLostAfterSeconds) config.lostNodes = every(cli.nodeLostAfterSeconds);
  return config;
}

/** The fleet controller's configuration from the flags. */
function fleetConfig(cli: Cli): FleetConfig {
  const config = defaultFleetConfig({ namespace: cli.namespace, agentSelector: cli.agentSelector });
  if (cli.workers) config.workers = cli.workers;
  if (cli.unclaimedAfterSeconds) config.unclaimed = every(cli.unclaimedAfterSeconds);
  if (cli.nodeLostAfterSeconds) config.lostNodes = every(cli.nodeLostAfterSeconds);
  return config;
}

/** What `operator` and `fleet` run: ready for /readyz, started until the signal. */
interface Runnable {
  readonly ready: boolean;
  start(signal: AbortSignal): Promise<void>;
}

type Build = (client: NodeKubeClient, metrics: Metrics, logger: ReturnType<typeof createLogger>) => Runnable;

const LOG_STOPPED = { operator: "plexdhook controller stopped", fleet: "plexd-hook fleet controller stopped" } as const;

async function runController(
  cli: Cli,
  env: Record<string, string | undefined>,
  io: Io,
  signal: AbortSignal,
  role: keyof typeof LOG_STOPPED,
  build: Build,
): Promise<number> {
  const logger = createLogger({ level: cli.logLevel, format: cli.logFormat, destination: io.stderr });
  let loaded: LoadedKubeConfig;
  try {
    loaded = loadKubeConfig({ kubeconfig: cli.kubeconfig, context: cli.context, env, home: env.HOME ?? homedir() });
  } catch (err) {
    io.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
  const metrics = new Metrics().withProcessMetrics();
  const client = new NodeKubeClient(loaded.config, {
    logger,
    // In a pod the API server may still be starting (node boot, control-plane upgrade): wait rather than crash-loop.
    unreachableRetryMs: loaded.source === "in-cluster" ? 60_000 : 1_000,
    onWatchRestart: (resource) => metrics.watchRestarts.inc({ resource }),
  });
  const controller = build(client, metrics, logger);
  let server: Server<undefined> | undefined;
  try {
    if (cli.healthAddr) server = serveHealth(cli.healthAddr, { ready: () => controller.ready, registry: metrics.registry });
  } catch (err) {
    io.stderr.write(`error: cannot serve probes on ${cli.healthAddr}: ${(err as Error).message}\n`);
    return 1;
  }
  logger.info(
    { kubeconfig: loaded.source, server: client.rest.server, health: server?.url.href ?? "off" },
    "plexd-hook configured",
  );
  try {
    const done = controller.start(signal);
    await Promise.race([
      done,
      new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref(), { once: true }),
      ),
    ]);
    return 0;
  } catch (err) {
    if (signal.aborted) {
      logger.info({ reason: String((signal.reason as Error)?.message ?? signal.reason) }, LOG_STOPPED[role]);
      return 0;
    }
    io.stderr.write(`error: ${explain(err, client.rest.server)}\n`);
    return 1;
  } finally {
    server?.stop(true);
  }
}

/** The rollout duty, as the fleet controller and cluster mode run it. */
function rolloutDuty(
  client: NodeKubeClient,
  namespace: string,
  metrics: Metrics,
  logger: ReturnType<typeof createLogger>,
  env: Record<string, string | undefined>,
): RolloutController {
  return new RolloutController({
    client: new RestRolloutClient(client.rest, logger, (resource) => metrics.watchRestarts.inc({ resource })),
    namespace,
    logger: logger.child({ duty: "rollouts" }),
    now: rolloutClock(env),
    metrics,
  });
}

function runOperator(cli: Cli, env: Record<string, string | undefined>, io: Io, signal: AbortSignal): Promise<number> | number {
  if (!cli.allNodes && !cli.nodeName) {
    io.stderr.write(
      `error: no node name: pass --node-name, set ${ENV_NODE_NAME} (the DaemonSet sets it from the downward API), or use --all-nodes\n`,
    );
    return 2;
  }
  const config = controllerConfig(cli);
  return runController(
    cli,
    env,
    io,
    signal,
    "operator",
    (client, metrics, logger) =>
      new PlexdHookController({
        ...{ client, config, metrics, logger },
        // Cluster mode drains and runs rollouts too, while it holds the fleet controller's Lease.
        ...(config.allNodes && {
          duties: () => [
            new DrainController({
              client,
              namespace: config.namespace,
              logger,
              metrics,
              now: config.now,
              config: defaultDrainConfig(),
            }),
            rolloutDuty(client, config.namespace, metrics, logger, env),
          ],
        }),
      }),
  );
}

function runFleet(cli: Cli, env: Record<string, string | undefined>, io: Io, signal: AbortSignal): Promise<number> {
  const config = fleetConfig(cli);
  return runController(
    cli,
    env,
    io,
    signal,
    "fleet",
    (client, metrics, logger) =>
      new FleetController({
        ...{ client, config, metrics, logger },
        duties: () => [rolloutDuty(client, config.namespace, metrics, logger, env)],
      }),
  );
}

/**
 * Test only: PLEXD_TEST_CLOCK_OFFSET_SECONDS shifts the clock the rollouts read (their windows and
 * settle times) by that many seconds, so a test can stand inside or outside a maintenance window
 * without waiting for it. Nothing else reads the shifted clock.
 */
function rolloutClock(env: Record<string, string | undefined>): () => Date {
  const offsetMs = Number(env[ENV_TEST_CLOCK_OFFSET] ?? 0) * 1000;
  if (!Number.isFinite(offsetMs) || offsetMs === 0) return () => new Date();
  return () => new Date(Date.now() + offsetMs);
}

/** `plexd-hook webhook`: Metacontroller's hooks until a signal. No kubeconfig: the webhook calls nothing. */
async function runWebhook(cli: Cli, io: Io, signal: AbortSignal): Promise<number> {
  const logger = createLogger({ level: cli.logLevel, format: cli.logFormat, destination: io.stderr });
  const metrics = new WebhookMetrics().withProcessMetrics();
  let server: WebhookServer;
  try {
    server = serveWebhook({ addr: cli.addr, tls: cli.tls, logger, metrics });
  } catch (err) {
    io.stderr.write(`error: cannot serve the webhook on ${cli.addr}: ${(err as Error).message}\n`);
    return 1;
  }
  logger.info({ url: server.url.href, tls: cli.tls !== undefined }, "plexd-hook webhook serving");
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  // Requests already in flight get their answer; Metacontroller retries anything refused meanwhile.
  await server.stop();
  logger.info({ reason: String((signal.reason as Error)?.message ?? signal.reason) }, "plexd-hook webhook stopped");
  return 0;
}

/** Runs the command line; returns the exit code. Tests call this directly. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Io,
  signal: AbortSignal,
  program: Program = programFor("plexd-hook"),
): Promise<number> {
  const subcommand = SUBCOMMANDS[argv[0] ?? ""];
  if (subcommand) {
    const terminal = { out: io.stdout, err: io.stderr, tty: io.tty ?? false, confirm: io.confirm ?? (async () => false) };
    return subcommand(argv.slice(1), env, terminal, signal, program.name);
  }
  let cli: Cli;
  try {
    cli = parseCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`error: ${err.message}\nRun '${program.name} --help' for usage.\n`);
    return 2;
  }
  // A plugin never starts the operator by accident: `kubectl plexd` alone shows what it can do.
  if (cli.help && cli.commandNamed && isOperatorCommand(cli.command)) {
    io.stdout.write(commandHelp(cli.command, program.name));
    return 0;
  }
  if (cli.help || (program.plugin && argv.length === 0)) {
    io.stdout.write(program.plugin ? pluginHelp(pkg.version) : helpText(pkg.version, program.name));
    return 0;
  }
  if (cli.version) {
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  switch (cli.command) {
    case "version":
      io.stdout.write(`plexd-hook ${pkg.version} (bun ${Bun.version}, ${process.platform}/${process.arch})\n`);
      return 0;
    case "manifests":
      try {
        io.stdout.write(renderManifests({ image: cli.image, namespace: cli.namespace, mode: cli.mode }));
        return 0;
      } catch (err) {
        io.stderr.write(`error: ${(err as Error).message}\n`);
        return 2;
      }
    case "operator":
      return runOperator(cli, env, io, signal);
    case "fleet":
      return runFleet(cli, env, io, signal);
    case "webhook":
      return runWebhook(cli, io, signal);
    case "run":
    case "logs":
    case "rollout":
      io.stderr.write(`error: ${cli.command} comes first, its flags after it: ${program.name} ${cli.command} --help\n`);
      return 2;
  }
}

if (import.meta.main) {
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (name: string): void => {
    // A second signal means the person does not want to wait for in-flight work.
    if (++signals > 1) process.exit(130);
    stop.abort(new Error(`received ${name}`));
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    tty: process.stderr.isTTY === true,
    confirm: terminalConfirm(process.stdin, process.stderr),
  };
  const code = await main(process.argv.slice(2), process.env, io, stop.signal, programFor(process.argv0));
  process.exit(code);
}
