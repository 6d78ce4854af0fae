// The command line, declared once: flags, their help, and parsing into a typed config.

import { parseArgs } from "node:util";
import { ENV_NODE_NAME } from "../constants.ts";
import { defaultConfig } from "../controller/config.ts";
import { AGENT_POD_SELECTOR, defaultFleetConfig } from "../fleet/config.ts";
import { LOG_LEVELS, type LogFormat, type LogLevel } from "../observe/logger.ts";
import { columns, type FlagSpec, flagLines } from "./help.ts";

export const DEFAULT_NAMESPACE = "plexd-system";
const DEFAULT_HEALTH_ADDR = ":8081";
const DEFAULT_WEBHOOK_ADDR = ":8080";
const MANIFEST_MODES = ["native", "metacontroller"] as const;
type ManifestMode = (typeof MANIFEST_MODES)[number];

/** A mistake on the command line: print it with a hint to --help and exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The defaults the help states, read from the configurations that apply them. */
const AGENT = defaultConfig({ namespace: DEFAULT_NAMESPACE, nodeName: "" });
const FLEET = defaultFleetConfig({ namespace: DEFAULT_NAMESPACE });

/** Every flag of the operator's commands; OPERATOR_COMMANDS says which command takes which. */
const FLAGS = {
  kubeconfig: {
    type: "string",
    arg: "PATH",
    help: "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)",
  },
  context: { type: "string", arg: "NAME", help: "kubeconfig context to use (default: the current context)" },
  namespace: { type: "string", arg: "NAME", help: `namespace whose PlexdHooks to handle (default: ${DEFAULT_NAMESPACE})` },
  "node-name": {
    type: "string",
    arg: "NAME",
    help: `node this agent acts for (default: $${ENV_NODE_NAME}, set by the DaemonSet)`,
  },
  "all-nodes": { type: "boolean", help: "cluster mode: handle every hook, pinning each Job to spec.nodeName" },
  workers: { type: "string", arg: "N", help: `hooks reconciled at once (default: ${AGENT.workers})` },
  "unclaimed-after": {
    type: "string",
    arg: "SECONDS",
    help: `report hooks aimed at a node where no agent took them after this long (default: ${FLEET.unclaimed.afterMs / 1000})`,
  },
  "agent-selector": {
    type: "string",
    arg: "SELECTOR",
    help: `labels of the node agents' pods; "" counts every Ready node as having an agent (default: ${AGENT_POD_SELECTOR})`,
  },
  "node-lost-after": {
    type: "string",
    arg: "SECONDS",
    help: `report running hooks Failed once their node has been NotReady or gone this long (default: ${AGENT.lostNodes.afterMs / 1000})`,
  },
  "health-addr": {
    type: "string",
    arg: "HOST:PORT",
    help: `address of /healthz, /readyz and /metrics; empty disables (default: ${DEFAULT_HEALTH_ADDR})`,
  },
  "log-level": { type: "string", arg: "LEVEL", help: `one of ${LOG_LEVELS.join(", ")} (default: info)` },
  "log-format": { type: "string", arg: "FORMAT", help: "json or text (default: json)" },
  image: { type: "string", arg: "REF", help: "the operator image the DaemonSet (or the webhook) runs" },
  mode: {
    type: "string",
    arg: "MODE",
    help: "native (the DaemonSet and the fleet controller, default) or metacontroller (the webhook)",
  },
  addr: {
    type: "string",
    arg: "HOST:PORT",
    help: `address of the hooks, probes and metrics (default: ${DEFAULT_WEBHOOK_ADDR})`,
  },
  "tls-cert-file": {
    type: "string",
    arg: "PATH",
    help: "serve HTTPS with this certificate (PEM; with --tls-private-key-file)",
  },
  "tls-private-key-file": { type: "string", arg: "PATH", help: "the certificate's private key (PEM)" },
  version: { type: "boolean", help: "print the version and exit" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

const LOGS: FlagName[] = ["log-level", "log-format"];
const KUBE: FlagName[] = ["kubeconfig", "context", "namespace"];

/** The operator's commands: what each does, how it is called, its flags (help last), and what a flag means for it if not the usual. */
const OPERATOR_COMMANDS = {
  operator: {
    summary: "run the node agent for --node-name, or with --all-nodes cluster mode (the default command)",
    usage: "[operator] [flags]",
    flags: [...KUBE, "node-name", "all-nodes", "workers", "node-lost-after", "health-addr", ...LOGS, "help"],
  },
  fleet: {
    summary: "run the fleet controller: assigns untargeted hooks, creates privileged ones' Jobs, reports lost nodes",
    usage: "fleet [flags]",
    flags: [...KUBE, "agent-selector", "unclaimed-after", "node-lost-after", "workers", "health-addr", ...LOGS, "help"],
  },
  webhook: {
    summary: "serve the Metacontroller hooks (customize, sync, finalize) for a CompositeController of PlexdHooks",
    usage: "webhook [flags]",
    flags: ["addr", "tls-cert-file", "tls-private-key-file", ...LOGS, "help"],
  },
  manifests: {
    summary: "print the CRD and deploy manifests: plexd-hook manifests | kubectl apply -f -",
    usage: "manifests [flags]",
    flags: ["image", "namespace", "mode", "help"],
    says: { namespace: `namespace to install into, and whose hooks the operator handles (default: ${DEFAULT_NAMESPACE})` },
  },
  version: { summary: "print the version", usage: "version", flags: ["help"] },
} satisfies Record<string, { summary: string; usage: string; flags: FlagName[]; says?: Partial<Record<FlagName, string>> }>;

/** Commands for people, with parsers of their own (lib/cli/run, lib/cli/rollout): listed in the help here. */
const PEOPLE_COMMANDS = {
  run: "run a command on nodes as PlexdHooks: run NODE -- COMMAND",
  logs: "print a hook's container log: logs HOOK [-f]",
  rollout: "follow or steer a PlexdRollout: rollout status|pause|resume|abort NAME",
} as const;

export type OperatorCommand = keyof typeof OPERATOR_COMMANDS;
export type Command = OperatorCommand | keyof typeof PEOPLE_COMMANDS;

export interface Cli {
  command: Command;
  /** Whether the command was named on the command line, rather than operator by default. */
  commandNamed: boolean;
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

export function isOperatorCommand(command: Command): command is OperatorCommand {
  return command in OPERATOR_COMMANDS;
}

/** The flags one of the operator's commands takes, with their help. */
export function commandFlags(command: OperatorCommand): Record<string, FlagSpec> {
  const { flags, says = {} }: { flags: readonly FlagName[]; says?: Partial<Record<FlagName, string>> } =
    OPERATOR_COMMANDS[command];
  return Object.fromEntries(flags.map((name) => [name, { ...FLAGS[name], help: says[name] ?? FLAGS[name].help }]));
}

/** `plexd-hook --help`: the commands, one line each. */
export function helpText(version: string, program = "plexd-hook"): string {
  const commands = { ...OPERATOR_COMMANDS, ...PEOPLE_COMMANDS };
  return [
    `plexd-hook ${version}: runs PlexdHook tasks as Jobs pinned to nodes`,
    "",
    "Usage:",
    `  ${program} [command] [flags]`,
    "",
    "Commands:",
    ...columns(Object.entries(commands).map(([name, c]) => [name, typeof c === "string" ? c : c.summary])),
    "",
    "Flags:",
    ...flagLines({ help: FLAGS.help, version: FLAGS.version }),
    "",
    `Use "${program} COMMAND --help" for a command's flags; with no command, ${program} runs operator.`,
    "",
  ].join("\n");
}

/** `plexd-hook COMMAND --help`: what the command does, how to call it, and only its own flags. */
export function commandHelp(command: OperatorCommand, program = "plexd-hook"): string {
  const { summary, usage } = OPERATOR_COMMANDS[command];
  return [
    `${summary.charAt(0).toUpperCase()}${summary.slice(1)}`,
    "",
    "Usage:",
    `  ${program} ${usage}`,
    "",
    "Flags:",
    ...flagLines(commandFlags(command)),
    "",
  ].join("\n");
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
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof FLAGS; allowPositionals: true; strict: true; tokens: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`Unexpected argument: ${positionals[1]}`);
  const command = (positionals[0] ?? "operator") as Command;
  if (!(command in OPERATOR_COMMANDS) && !(command in PEOPLE_COMMANDS)) {
    const names = Object.keys({ ...OPERATOR_COMMANDS, ...PEOPLE_COMMANDS }).join(", ");
    throw new UsageError(`Unknown command: ${command} (commands: ${names})`);
  }
  const own: readonly string[] =
    (OPERATOR_COMMANDS as Record<string, { flags: FlagName[] }>)[command]?.flags ?? Object.keys(FLAGS);
  const foreign = parsed.tokens.find((t) => t.kind === "option" && !own.includes(t.name) && t.name !== "version");
  if (foreign?.kind === "option") {
    const where = positionals[0] === undefined ? `${command} (the command when none is named)` : command;
    const owners = Object.entries(OPERATOR_COMMANDS).filter(([, c]) => (c.flags as string[]).includes(foreign.name));
    const of = owners.length
      ? `a flag of ${owners.map(([name]) => name).join(" and ")}, not of ${where}`
      : `not a flag of ${where}`;
    throw new UsageError(`--${foreign.name} is ${of}`);
  }

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
    commandNamed: positionals[0] !== undefined,
    help: values.help ?? false,
    version: values.version ?? false,
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace ?? DEFAULT_NAMESPACE,
    nodeName: values["node-name"] ?? env[ENV_NODE_NAME] ?? "",
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
