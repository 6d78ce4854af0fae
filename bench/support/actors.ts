// The three sides of every benchmark, started the same way: the operator, the floor and the Go peer.

import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePorts } from "../../tests/cluster/ports.ts";
import { startOperator } from "../../tests/e2e/support/operator.ts";
import { readLines } from "../../tests/support/lines.ts";

export type ActorKind = "operator" | "floor" | "go";
export const ACTORS: readonly ActorKind[] = ["operator", "floor", "go"];
export const ACTOR_LABEL: Record<ActorKind, string> = { operator: "operator", floor: "floor", go: "Go peer" };

export interface ActorScope {
  kubeconfig: string;
  namespace: string;
  /** The node it acts for; unset with allNodes. */
  node?: string;
  allNodes?: boolean;
  /** Extra operator flags. */
  flags?: string[];
}

export interface Actor {
  kind: ActorKind;
  pid: number;
  /** The operator's /metrics base URL. */
  url?: string;
  /** Error lines it printed. */
  errors: string[];
  /** Its exit code, once it has exited. */
  exitCode(): number | null;
  exited: Promise<number>;
  /** The last lines it printed on stderr. */
  tail(): string[];
  /** SIGTERM; resolves with the milliseconds until it exited. */
  stop(): Promise<number>;
}

const REPO = join(import.meta.dir, "..", "..");
const GO_DIR = join(REPO, "bench", "peers", "go");
const GO_BINARY = join(REPO, ".cache", "bench", "go-peer");
const READY_TIMEOUT_MS = 60_000;

/** Builds the Go peer when its sources are newer than the binary (go's build cache makes a rebuild cheap). */
export async function buildGoPeer(): Promise<string> {
  const newest = Math.max(...readdirSync(GO_DIR).map((f) => statSync(join(GO_DIR, f)).mtimeMs));
  if (existsSync(GO_BINARY) && statSync(GO_BINARY).mtimeMs > newest) return GO_BINARY;
  mkdirSync(join(GO_BINARY, ".."), { recursive: true });
  const build = Bun.spawn(["go", "build", "-trimpath", "-o", GO_BINARY, "."], {
    cwd: GO_DIR,
    stdout: "inherit",
    stderr: "inherit",
  });
  if ((await build.exited) !== 0) throw new Error("building the Go peer failed (bench/peers/go)");
  return GO_BINARY;
}

async function untilReady(what: string, ready: Promise<void>, exited: Promise<number>, stderr: string[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  const died = exited.then((code) => Promise.reject(new Error(`${what} exited with ${code}: ${stderr.slice(-5).join("\n")}`)));
  await Promise.race([ready, timeout, died]).finally(() => clearTimeout(timer));
}

/** A child that prints "ready" on stdout (the floor, the Go peer). */
async function startChild(kind: ActorKind, cmd: string[]): Promise<Actor> {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const errors: string[] = [];
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const out = readLines(proc.stdout, (line) => line === "ready" && onReady());
  void readLines(proc.stderr, (line) => errors.push(line));
  await untilReady(kind, ready, proc.exited, errors);
  return {
    kind,
    pid: proc.pid,
    errors,
    exitCode: () => proc.exitCode,
    exited: proc.exited,
    tail: () => errors.slice(-5),
    async stop() {
      const started = performance.now();
      proc.kill("SIGTERM");
      await proc.exited;
      await out;
      return performance.now() - started;
    },
  };
}

/**
 * With BENCH_CPU_PROFILE=<dir>, the operator runs from source under `bun --cpu-prof`, writing one
 * profile per process into <dir> when it exits (`bun run bench/profile.ts <dir>/*.cpuprofile` reads them).
 */
function operatorCommand(): string[] | undefined {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return [process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, join(REPO, "main.ts")];
}

async function startOperatorActor(scope: ActorScope): Promise<Actor> {
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}/`;
  const target = scope.allNodes ? ["--all-nodes"] : ["--node-name", scope.node as string];
  // A later --health-addr overrides startOperator's 127.0.0.1:0; at warn level the address is not logged.
  const op = startOperator(
    [
      "--kubeconfig",
      scope.kubeconfig,
      "--namespace",
      scope.namespace,
      ...target,
      "--log-level",
      "warn",
      "--health-addr",
      `127.0.0.1:${port}`,
      ...(scope.flags ?? []),
    ],
    {},
    operatorCommand(),
  );
  const ready = (async () => {
    while (
      !(await fetch(`${url}readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      await Bun.sleep(10);
  })();
  await untilReady("the operator", ready, op.exited, op.stderr);
  return {
    kind: "operator",
    pid: op.proc.pid,
    url,
    exitCode: () => op.proc.exitCode,
    exited: op.exited,
    tail: () => op.stderr.slice(-5),
    get errors() {
      return op.logs.filter((l) => ["error", "fatal", "50", "60"].includes(String(l.level))).map((l) => JSON.stringify(l));
    },
    async stop() {
      const started = performance.now();
      await op.stop();
      return performance.now() - started;
    },
  };
}

export async function startActor(kind: ActorKind, scope: ActorScope): Promise<Actor> {
  if (kind === "operator") return startOperatorActor(scope);
  if (kind === "floor") {
    const concurrency = process.env.BENCH_FLOOR_CONCURRENCY ?? "16";
    const args = [scope.kubeconfig, scope.namespace, scope.node ?? "", concurrency];
    return startChild(kind, [process.execPath, "run", join(REPO, "bench", "floor.ts"), ...args]);
  }
  const target = scope.allNodes ? ["--all-nodes"] : ["--node-name", scope.node as string];
  const binary = await buildGoPeer();
  return startChild(kind, [binary, "--kubeconfig", scope.kubeconfig, "--namespace", scope.namespace, ...target]);
}

/** The operator's counters that explain its work: reconciles by result, Job creates. */
export async function operatorCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m =
      /^plexd_hook_(reconcile_total|watch_events_total|watch_restarts_total|job_create_duration_seconds_count)(\{[^}]*\})? (\S+)$/.exec(
        line,
      );
    if (!m) continue;
    const label = /(?:result|resource)="([^"]+)"/.exec(m[2] ?? "")?.[1];
    const key = label ? `${m[1]}:${label}` : (m[1] as string);
    out[key] = (out[key] ?? 0) + Number(m[3]);
  }
  return out;
}
