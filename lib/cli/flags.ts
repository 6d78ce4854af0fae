// The command line, declared once: flags, their help, and parsing into a typed config.

import { parseArgs } from "node:util";
import { AGENT_POD_SELECTOR } from "../fleet/config.ts";
import { LOG_LEVELS, type LogFormat, type LogLevel } from "../observe/logger.ts";

export const DEFAULT_NAMESPACE = "plexd-system";
export const DEFAULT_HEALTH_ADDR = ":8081";
export const DEFAULT_WEBHOOK_ADDR = ":8080";
export const MANIFEST_MODES = ["native", "metacontroller"] as const;
export type ManifestMode = (typeof MANIFEST_MODES)[number];

/** A mistake on the command line: print it with a hint to --help and exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

const FLAGS = {
  kubeconfig: {
    type: "string",
    arg: "PATH",
    help: "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)",
  },
  context: { type: "string", arg: "NAME", help: "kubeconfig context to use (default: the current context)" },
  namespace: { type: "string", arg: "NAME", help: `namespace whose PlexdHooks to handle (default: ${DEFAULT_NAMESPACE})` },
  "node-name": { type: "string", arg: "NAME", help: "node this controller acts for (default: $NODE_NAME, set by the DaemonSet)" },
  "all-nodes": { type: "boolean", help: "cluster mode: handle every hook, pinning each Job to spec.nodeName" },
  workers: { type: "string", arg: "N", help: "hooks reconciled at once (default: 16)" },
  "unclaimed-after": {
    type: "string",
    arg: "SECONDS",
    help: "fleet: report hooks aimed at a node where no agent took them after this long (default: 60)",
  },
  "agent-selector": {
    type: "string",
    arg: "SELECTOR",
    help: `fleet: labels of the node agents' pods; "" counts every Ready node as having an agent (default: ${AGENT_POD_SELECTOR})`,
  },
  "node-lost-after": {
    type: "string",
    arg: "SECONDS",
    help: "fleet and --all-nodes: report running hooks Failed once their node has been NotReady or gone this long (default: 600)",
  },
  "health-addr": {
    type: "string",
    arg: "HOST:PORT",
    help: `address of /healthz, /readyz and /metrics; empty disables (default: ${DEFAULT_HEALTH_ADDR})`,
  },
  "log-level": { type: "string", arg: "LEVEL", help: `one of ${LOG_LEVELS.join(", ")} (default: info)` },
  "log-format": { type: "string", arg: "FORMAT", help: "json or text (default: json)" },
  image: { type: "string", arg: "REF", help: "manifests: the operator image the DaemonSet (or the webhook) runs" },
  mode: { type: "string", arg: "MODE", help: "manifests: native (the DaemonSet, default) or metacontroller (the webhook)" },
  addr: {
    type: "string",
    arg: "HOST:PORT",
    help: `webhook: address of the hooks, probes and metrics (default: ${DEFAULT_WEBHOOK_ADDR})`,
  },
  "tls-cert-file": {
    type: "string",
    arg: "PATH",
    help: "webhook: serve HTTPS with this certificate (PEM; with --tls-private-key-file)",
  },
  "tls-private-key-file": { type: "string", arg: "PATH", help: "webhook: the certificate's private key (PEM)" },
  version: { type: "boolean", help: "print the version and exit" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

export const COMMANDS = {
  operator: "run the node agent for --node-name, or with --all-nodes cluster mode (the default command)",
  fleet: "run the fleet controller: assigns untargeted hooks, creates privileged ones' Jobs, reports lost nodes",
  run: "run a command on nodes as PlexdHooks: run NODE -- COMMAND (run --help)",
  logs: "print a hook's container log: logs HOOK [-f] (logs --help)",
  manifests: "print the CRD and deploy manifests: plexd-hook manifests | kubectl apply -f -",
  version: "print the version",
  webhook: "serve the Metacontroller hooks (customize, sync, finalize) for a CompositeController of PlexdHooks",
} as const;

export type Command = keyof typeof COMMANDS;

export interface Cli {
  command: Command;
  help: boolean;
  version: boolean;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  nodeName: string;
  allNodes: boolean;
  workers?: number;
  unclaimedAfterSeconds?: number;
  agentSelector?: string;
  nodeLostAfterSeconds?: number;
  healthAddr: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  image?: string;
  mode: ManifestMode;
  addr: string;
  tls?: { certFile: string; keyFile: string };
}

export function helpText(version: string): string {
  const lines = [
    `plexd-hook ${version}: runs PlexdHook tasks as Jobs pinned to nodes`,
    "",
    "Usage: plexd-hook [command] [flags]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, help]) => `  ${name.padEnd(24)}${help}`),
    "",
    "Flags:",
    ...Object.entries(FLAGS).map(([name, flag]) => {
      const short = "short" in flag ? `-${flag.short}, ` : "";
      const usage = `${short}--${name}${"arg" in flag ? ` ${flag.arg}` : ""}`;
      return `  ${usage.padEnd(24)}${flag.help}`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}

/** A flag's value as a number of seconds above 0, or undefined when the flag is absent. */
function positiveSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`Invalid --${flag}: ${value} (a number of seconds above 0)`);
  return seconds;
}

/** Parses argv (without the program name). Throws UsageError with one clear line. */
export function parseCli(argv: string[], env: Record<string, string | undefined>): Cli {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`Unexpected argument: ${positionals[1]}`);
  const command = (positionals[0] ?? "operator") as Command;
  if (!(command in COMMANDS)) throw new UsageError(`Unknown command: ${command} (commands: ${Object.keys(COMMANDS).join(", ")})`);

  const logLevel = (values["log-level"] ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`Invalid --log-level: ${logLevel} (one of ${LOG_LEVELS.join(", ")})`);
  const logFormat = (values["log-format"] ?? "json") as LogFormat;
  if (logFormat !== "json" && logFormat !== "text") throw new UsageError(`Invalid --log-format: ${logFormat} (json or text)`);
  let workers: number | undefined;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1)
      throw new UsageError(`Invalid --workers: ${values.workers} (a whole number of at least 1)`);
  }
  const unclaimedAfterSeconds = positiveSeconds("unclaimed-after", values["unclaimed-after"]);
  const nodeLostAfterSeconds = positiveSeconds("node-lost-after", values["node-lost-after"]);
  const mode = (values.mode ?? "native") as ManifestMode;
  if (!MANIFEST_MODES.includes(mode)) throw new UsageError(`Invalid --mode: ${mode} (native or metacontroller)`);
  const [certFile, keyFile] = [values["tls-cert-file"], values["tls-private-key-file"]];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("--tls-cert-file and --tls-private-key-file go together: pass both for HTTPS, or neither");
  }
  return {
    command,
    help: values.help ?? false,
    version: values.version ?? false,
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace ?? DEFAULT_NAMESPACE,
    nodeName: values["node-name"] ?? env.NODE_NAME ?? "",
    allNodes: values["all-nodes"] ?? false,
    workers,
    unclaimedAfterSeconds,
    nodeLostAfterSeconds,
    agentSelector: values["agent-selector"],
    healthAddr: values["health-addr"] ?? DEFAULT_HEALTH_ADDR,
    logLevel,
    logFormat,
    image: values.image,
    mode,
    addr: values.addr ?? DEFAULT_WEBHOOK_ADDR,
    ...(certFile && keyFile && { tls: { certFile, keyFile } }),
  };
}
