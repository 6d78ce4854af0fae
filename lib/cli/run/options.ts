// `plexd-hook run` flags: NODE or --selector, then `--` and the command; parsed into a typed request.

import { parseArgs } from "node:util";
import { UsageError } from "../flags.ts";

const DEFAULT_MAX_PARALLEL = 1;

interface SecretParam {
  name: string;
  secret: string;
  key: string;
}

export interface RunRequest {
  /** One node, or undefined when `selector` picks the nodes. */
  node?: string;
  selector?: string;
  command: string[];
  image?: string;
  privileged: boolean;
  params: Array<{ name: string; value: string }>;
  secretParams: SecretParam[];
  timeoutSeconds?: number;
  namespace?: string;
  name?: string;
  detach: boolean;
  rm: boolean;
  maxParallel: number;
  /** Stop starting nodes once this many failed; undefined: never stop. */
  maxFailures?: number;
  /** spec.output.tailLines: keep this many log lines in status.output. */
  keepOutput?: number;
  kubeconfig?: string;
  context?: string;
  help: boolean;
}

export const RUN_FLAGS = {
  image: { type: "string", arg: "REF", help: "container image (default: busybox:latest, as the CRD)" },
  privileged: { type: "boolean", help: "run the container privileged (the admission policy must allow it for you)" },
  param: {
    type: "string",
    multiple: true,
    arg: "NAME=VALUE",
    help: "a parameter, PLEXD_PARAM_NAME in the container (repeatable)",
  },
  "param-from-secret": {
    type: "string",
    multiple: true,
    arg: "NAME=SECRET/KEY",
    help: "a parameter read from a Secret key in the hook's namespace (repeatable)",
  },
  timeout: {
    type: "string",
    arg: "DURATION",
    help: "time limit: 90s, 5m, 1h (the hook's activeDeadlineSeconds); past it the run ends Failed, DeadlineExceeded",
  },
  "keep-output": { type: "string", arg: "LINES", help: "keep the last LINES (1-100) of the log in status.output" },
  namespace: { type: "string", short: "n", arg: "NAME", help: "namespace of the hook (default: plexd-system)" },
  name: {
    type: "string",
    arg: "NAME",
    help: "hook name (default: run-<id>-<node>); with --selector, the rollout's name (default: run-<id>)",
  },
  detach: { type: "boolean", short: "d", help: "print the hook's name and return at once" },
  rm: { type: "boolean", help: "delete the hook when it has finished" },
  selector: {
    type: "string",
    short: "l",
    arg: "KEY=VALUE",
    help: "run on every node with these labels, as a PlexdRollout (kubectl -l syntax)",
  },
  "max-parallel": { type: "string", arg: "N", help: `with --selector: nodes running at once (default: ${DEFAULT_MAX_PARALLEL})` },
  "max-failures": { type: "string", arg: "M", help: "with --selector: start no more nodes after M failures" },
  kubeconfig: { type: "string", arg: "PATH", help: "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)" },
  context: { type: "string", arg: "NAME", help: "kubeconfig context to use" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

const UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600 };

/** @internal "90" and "90s" → 90, "5m" → 300, "1h30m" → 5400. Throws UsageError otherwise. */
export function parseDuration(flag: string, text: string): number {
  const parts = [...text.matchAll(/(\d+)([smh]?)/g)];
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (UNITS[unit ?? ""] ?? 1), 0);
  if (parts.map((p) => p[0]).join("") !== text || total < 1) {
    throw new UsageError(`Invalid --${flag}: ${text} (a duration of at least 1 s, e.g. 90s, 5m, 1h)`);
  }
  return total;
}

function wholeNumber(flag: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`Invalid --${flag}: ${text} (a whole number ${range})`);
  }
  return n;
}

function nameValue(flag: string, text: string): [string, string] {
  const at = text.indexOf("=");
  if (at < 1) throw new UsageError(`Invalid --${flag}: ${text} (NAME=VALUE)`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function secretParam(text: string): SecretParam {
  const [name, ref] = nameValue("param-from-secret", text);
  const match = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([-._a-zA-Z0-9]+)$/.exec(ref);
  if (!match) throw new UsageError(`Invalid --param-from-secret: ${text} (NAME=SECRET/KEY)`);
  return { name, secret: match[1] as string, key: match[3] as string };
}

/** Parses the arguments after `run`. Everything after the first `--` is the command, untouched. */
export function parseRunArgs(argv: readonly string[]): RunRequest {
  const dash = argv.indexOf("--");
  const flags = dash < 0 ? [...argv] : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof RUN_FLAGS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: flags, options: RUN_FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const { values, positionals } = parsed;
  const help = values.help ?? false;
  const [node, extra] = positionals;
  if (!help) {
    if (extra !== undefined) throw new UsageError(`Unexpected argument: ${extra} (put the command after --)`);
    if (node === undefined && values.selector === undefined) throw new UsageError("Name a NODE or pass --selector KEY=VALUE");
    if (node !== undefined && values.selector !== undefined) throw new UsageError("Pass either a NODE or --selector, not both");
    if (values.selector === undefined && (values["max-parallel"] ?? values["max-failures"]) !== undefined) {
      throw new UsageError("--max-parallel and --max-failures need --selector");
    }
    if (values.detach && values.rm) throw new UsageError("--detach and --rm do not go together: a detached run is not watched");
  }
  return {
    node,
    selector: values.selector,
    command,
    image: values.image,
    privileged: values.privileged ?? false,
    params: (values.param ?? []).map((p) => nameValue("param", p)).map(([name, value]) => ({ name, value })),
    secretParams: (values["param-from-secret"] ?? []).map(secretParam),
    timeoutSeconds: values.timeout === undefined ? undefined : parseDuration("timeout", values.timeout),
    namespace: values.namespace,
    name: values.name,
    detach: values.detach ?? false,
    rm: values.rm ?? false,
    maxParallel: wholeNumber("max-parallel", values["max-parallel"], 1) ?? DEFAULT_MAX_PARALLEL,
    maxFailures: wholeNumber("max-failures", values["max-failures"], 1),
    keepOutput: wholeNumber("keep-output", values["keep-output"], 1, 100),
    kubeconfig: values.kubeconfig,
    context: values.context,
    help,
  };
}
