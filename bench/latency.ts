// Measures (never asserts) SPEC §11's latency budgets on the local control plane, side by side with
// the floor: the same two API calls (create the Job, patch the status) made by a minimal client.
//   1. single hooks, one at a time: hook create returned → a watch sees Pending with status.jobName;
//   2. a burst of hooks created at once: first create → every hook Pending or later.
// `npm run bench:latency`. Counts: BENCH_SINGLE (200), BENCH_BURST (1000), BENCH_WARMUP (5);
// BENCH_CREATORS (8), BENCH_FLOOR_CONCURRENCY (16), BENCH_SETTLE_S (45). Diagnosis: BENCH_AUDIT=1
// (split latencies by the API server's audit log; it slows the server a little), BENCH_FLOOR_EVENT=1.
//
// The floor runs as a separate process (this file, argument `floor-actor`), like the operator, and
// authenticates with the same ServiceAccount token; the observer and the hook creators live here.

import { readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import type { Subprocess } from "bun";
import { GROUP, PLURAL, VERSION } from "../lib/constants.ts";
import { buildEvent } from "../lib/controller/events.ts";
import { buildJob } from "../lib/core/build-job.ts";
import type { PlexdHook } from "../lib/core/types.ts";
import { Rest } from "../lib/kube/rest.ts";

const NODE = "node-a";
const TERMINAL_TIMEOUT_MS = 15_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const hooksPath = (ns: string): string => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`;
const jobsPath = (ns: string): string => `/apis/batch/v1/namespaces/${ns}/jobs`;

function restFor(kubeconfig: string): Rest {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return new Rest(config);
}

/** A list for its resourceVersion; retried while a fresh CRD's storage answers 429. */
async function listVersion(rest: Rest, path: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await rest.request<{ metadata: { resourceVersion: string } }>("GET", path)).metadata.resourceVersion;
    } catch (err) {
      if (attempt >= 100 || (err as { statusCode?: number }).statusCode !== 429) throw err;
      await Bun.sleep(100);
    }
  }
}

type WatchLine = { type: string; object: PlexdHook & { code?: number; message?: string } };

/** Reads a child's output line by line. */
async function lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    for (let nl = rest.indexOf("\n"); nl >= 0; nl = rest.indexOf("\n")) {
      onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  }
  if (rest) onLine(rest);
}

// ---------------------------------------------------------------------------------------------------
// The floor: a minimal operator. On each ADDED hook without a Job it POSTs the Job (buildJob, as the
// operator does) and merge-patches the status, at most `concurrency` hooks at once. Nothing else.

async function floorActor(kubeconfig: string, ns: string, concurrency: number, withEvent: boolean): Promise<void> {
  const rest = restFor(kubeconfig);
  const stop = new AbortController();
  const postMs: number[] = [];
  const patchMs: number[] = [];
  const errors: string[] = [];
  process.on("SIGTERM", () => {
    stop.abort();
    process.stdout.write(`${JSON.stringify({ stats: { postMs: summary(postMs), patchMs: summary(patchMs), errors } })}\n`);
    process.exit(0);
  });

  const queue: PlexdHook[] = [];
  let active = 0;
  const handle = async (hook: PlexdHook): Promise<void> => {
    const job = buildJob(hook, NODE);
    let t = performance.now();
    await rest.request("POST", jobsPath(ns), { body: job });
    postMs.push(performance.now() - t);
    // BENCH_FLOOR_EVENT=1 (a diagnosis, not the floor): also send the operator's JobCreated Event,
    // fire-and-forget right before the status write, as the operator does.
    if (withEvent) {
      const event = buildEvent(
        hook,
        "Normal",
        "JobCreated",
        `Created Job ${job.metadata?.name} on node ${NODE}`,
        NODE,
        new Date(),
      );
      rest.request("POST", `/api/v1/namespaces/${ns}/events`, { body: event }).catch(() => {});
    }
    t = performance.now();
    await rest.request("PATCH", `${hooksPath(ns)}/${hook.metadata.name}/status`, {
      body: { status: { jobName: job.metadata?.name, phase: "Pending", startedAt: new Date().toISOString() } },
      contentType: "application/merge-patch+json",
    });
    patchMs.push(performance.now() - t);
  };
  const pump = (): void => {
    while (active < concurrency && queue.length > 0) {
      const hook = queue.shift() as PlexdHook;
      active++;
      handle(hook)
        .catch((err: unknown) => {
          const text = `${hook.metadata.name}: ${err instanceof Error ? err.message : String(err)}`;
          errors.push(text);
          process.stderr.write(`floor: ${text}\n`);
        })
        .finally(() => {
          active--;
          pump();
        });
    }
  };

  const resourceVersion = await listVersion(rest, hooksPath(ns));
  const watch = rest.stream<WatchLine>(hooksPath(ns), {
    query: { watch: true, resourceVersion },
    signal: stop.signal,
  });
  // Everything created after the list's resourceVersion reaches this watch.
  process.stdout.write("ready\n");
  for await (const event of watch) {
    if (event.type === "ERROR") throw new Error(`floor watch: ${event.object.message}`);
    if (event.type !== "ADDED" || event.object.status?.jobName) continue;
    queue.push(event.object);
    pump();
  }
  throw new Error("floor watch ended");
}

interface Floor {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  ready: Promise<void>;
  /** SIGTERM; resolves with the POST/PATCH timings the actor saw. */
  stop(): Promise<FloorStats | undefined>;
}

interface FloorStats {
  postMs: Summary;
  patchMs: Summary;
  errors: string[];
}

function startFloor(kubeconfig: string, ns: string, concurrency: number): Floor {
  const proc = Bun.spawn([process.execPath, "run", import.meta.path, "floor-actor", kubeconfig, ns, String(concurrency)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env },
  });
  let stats: FloorStats | undefined;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    void proc.exited.then((code) => reject(new Error(`the floor actor exited with ${code} before it was ready`)));
  });
  const out = lines(proc.stdout, (line) => {
    if (line === "ready") onReady();
    else if (line.startsWith("{")) stats = (JSON.parse(line) as { stats: FloorStats }).stats;
  });
  void lines(proc.stderr, (line) => process.stderr.write(`[floor ${ns}] ${line}\n`));
  return {
    proc,
    ready,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await out;
      return stats;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The observer: one watch per namespace, opened before any hook exists; records when each hook is
// first seen with a phase and a jobName.

class Observer {
  readonly seen = new Map<string, number>();
  readonly failed = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  private countWaiter: { n: number; resolve: () => void } | undefined;
  private readonly stop = new AbortController();
  private readonly done: Promise<void>;

  private constructor(
    rest: Rest,
    readonly ns: string,
    resourceVersion: string,
  ) {
    const watch = rest.stream<WatchLine>(hooksPath(ns), { query: { watch: true, resourceVersion }, signal: this.stop.signal });
    this.done = this.consume(watch);
    this.done.catch(() => {});
  }

  static async open(rest: Rest, ns: string): Promise<Observer> {
    return new Observer(rest, ns, await listVersion(rest, hooksPath(ns)));
  }

  private async consume(watch: AsyncGenerator<WatchLine>): Promise<void> {
    try {
      for await (const event of watch) {
        const at = performance.now();
        if (event.type === "ERROR") throw new Error(`observer watch on ${this.ns}: ${event.object.message}`);
        if (event.type !== "ADDED" && event.type !== "MODIFIED") continue;
        const { status, metadata } = event.object;
        if (!status?.phase || !status.jobName || this.seen.has(metadata.name)) continue;
        this.seen.set(metadata.name, at);
        if (status.phase === "Failed") this.failed.add(metadata.name);
        this.waiters.get(metadata.name)?.();
        this.waiters.delete(metadata.name);
        if (this.countWaiter && this.seen.size >= this.countWaiter.n) this.countWaiter.resolve();
      }
    } catch (err) {
      if (this.stop.signal.aborted) return;
      throw err;
    }
    if (!this.stop.signal.aborted) throw new Error(`observer watch on ${this.ns} ended`);
  }

  private race<T>(wait: Promise<T>, timeoutMs: number): Promise<T | "timeout"> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const ended = this.done.then(() => Promise.reject(new Error(`observer watch on ${this.ns} ended`)));
    return Promise.race([wait, timeout, ended]).finally(() => clearTimeout(timer));
  }

  /** When `name` was first seen Pending (or later) with a jobName, or "timeout". */
  async seenAt(name: string, timeoutMs: number): Promise<number | "timeout"> {
    const known = this.seen.get(name);
    if (known !== undefined) return known;
    const wait = new Promise<number>((resolve) => this.waiters.set(name, () => resolve(this.seen.get(name) as number)));
    return this.race(wait, timeoutMs);
  }

  /** Resolves once `n` hooks have been seen Pending or later, or "timeout". */
  // biome-ignore lint/suspicious/noConfusingVoidType: resolves with nothing when the count is reached
  async count(n: number, timeoutMs: number): Promise<void | "timeout"> {
    if (this.seen.size >= n) return;
    return this.race(new Promise<void>((resolve) => (this.countWaiter = { n, resolve })), timeoutMs);
  }

  close(): void {
    this.stop.abort();
  }
}

// ---------------------------------------------------------------------------------------------------

interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
function summary(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.max(0, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "-");

function hookBody(name: string): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "PlexdHook",
    metadata: { name },
    spec: { hookName: "bench", nodeName: NODE },
  };
}

async function createHook(rest: Rest, ns: string, name: string): Promise<number> {
  await rest.request("POST", hooksPath(ns), { body: hookBody(name) });
  return performance.now();
}

/** One side of the single-hook run: creates one hook, waits for it to be seen Pending. */
async function oneHook(rest: Rest, observer: Observer, name: string): Promise<number | "timeout"> {
  const created = await createHook(rest, observer.ns, name);
  const seen = await observer.seenAt(name, TERMINAL_TIMEOUT_MS);
  return seen === "timeout" ? seen : seen - created;
}

/** Creates `n` hooks with `creators` parallel POST loops; the time until all are Pending or later. */
async function burst(
  rest: Rest,
  observer: Observer,
  n: number,
  creators: number,
): Promise<{ totalMs: number; createMs: number; done: number }> {
  let next = 0;
  const started = performance.now();
  const loops = Array.from({ length: creators }, async () => {
    for (let i = next++; i < n; i = next++) await rest.request("POST", hooksPath(observer.ns), { body: hookBody(`b-${i}`) });
  });
  await Promise.all(loops);
  const createMs = performance.now() - started;
  const outcome = await observer.count(n, 180_000);
  const last = Math.max(...observer.seen.values());
  return { totalMs: outcome === "timeout" ? Number.POSITIVE_INFINITY : last - started, createMs, done: observer.seen.size };
}

/**
 * Waits (up to capMs) until the Jobs in `namespaces` have finished, so the next phase shares the API
 * server as little as possible with the last one's aftermath (the Job controller works through Jobs at
 * its client's 20 requests/s, so a large backlog may outlast the cap; both bursts then meet it).
 */
async function settle(rest: Rest, namespaces: string[], capMs: number): Promise<string> {
  const started = performance.now();
  for (;;) {
    let open = 0;
    for (const ns of namespaces) {
      const jobs = await rest.request<{ items: Array<{ status?: { succeeded?: number; failed?: number } }> }>(
        "GET",
        jobsPath(ns),
      );
      open += jobs.items.filter((j) => !(j.status?.succeeded || j.status?.failed)).length;
    }
    const took = (performance.now() - started) / 1000;
    if (open === 0) return `earlier Jobs all finished after ${took.toFixed(1)} s`;
    if (took * 1000 > capMs) return `${open} earlier Jobs still unfinished after ${took.toFixed(0)} s; going on`;
    await Bun.sleep(1_000);
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const cpu = (readFileSync("/proc/stat", "utf8").split("\n")[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** Measures a phase: wall time, the actor's CPU seconds and how busy the machine was. */
async function measured<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; actorCpu: number; machineBusy: number }> {
  const cpu0 = cpuSeconds(pid);
  const m0 = machineTicks();
  const result = await run();
  const m1 = machineTicks();
  return { result, actorCpu: cpuSeconds(pid) - cpu0, machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total) };
}

/** The operator's own numbers: the job create histogram, reconciles, failures. */
async function scrape(url: string): Promise<string[]> {
  const text = await (await fetch(`${url}metrics`)).text();
  return text
    .split("\n")
    .filter((l) =>
      /^plexd_hook_(job_create_duration_seconds_(sum|count|bucket)|reconcile_total|failures_total|watch_restarts_total)/.test(l),
    );
}

function metricsLine(metrics: string[]): string {
  const value = (name: string): number => Number(metrics.find((l) => l.startsWith(name))?.split(" ")[1] ?? Number.NaN);
  const count = value("plexd_hook_job_create_duration_seconds_count");
  const sum = value("plexd_hook_job_create_duration_seconds_sum");
  const buckets = metrics
    .filter((l) => l.startsWith("plexd_hook_job_create_duration_seconds_bucket"))
    .map((l) => `≤${/le="([^"]+)"/.exec(l)?.[1]}:${l.split(" ")[1]}`)
    .join(" ");
  const reconciles = metrics
    .filter((l) => l.startsWith("plexd_hook_reconcile_total"))
    .map((l) => `${/result="([^"]+)"/.exec(l)?.[1]}=${l.split(" ")[1]}`)
    .join(" ");
  return `operator metrics: job create n=${count} mean ${((sum / count) * 1000).toFixed(1)} ms [${buckets}]; reconciles ${reconciles}`;
}

// ---------------------------------------------------------------------------------------------------
// BENCH_AUDIT=1: the API server's audit log (Metadata level) says when each request arrived and was
// answered, and who sent it; enough to split a latency into its steps and to count the requests.

interface AuditEntry {
  stage: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** Epoch milliseconds of an audit timestamp with microseconds. */
const auditMs = (t: string): number => Date.parse(`${t.slice(0, 19)}Z`) + Number(t.slice(19, -1) || 0) * 1000;

async function readAudit(path: string): Promise<AuditEntry[]> {
  const text = await Bun.file(path).text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry)
    .filter((e) => e.stage === "ResponseComplete");
}

const who = (e: AuditEntry): string =>
  e.user.username.includes(":plexd") ? "plexd SA" : (e.user.username.split(":").pop() as string);

/** Per single hook, server-side: create answered → Job POST arrives → answered → PATCH arrives → answered. */
function auditSteps(entries: AuditEntry[], ns: string): string[] {
  const steps = new Map<string, Record<string, [number, number]>>();
  const step = (name: string): Record<string, [number, number]> => {
    let s = steps.get(name);
    if (!s) {
      s = {};
      steps.set(name, s);
    }
    return s;
  };
  for (const e of entries) {
    const o = e.objectRef;
    if (o?.namespace !== ns || !o.name) continue;
    const span: [number, number] = [auditMs(e.requestReceivedTimestamp), auditMs(e.stageTimestamp)];
    if (e.verb === "create" && o.resource === PLURAL) step(o.name).create = span;
    else if (e.verb === "create" && o.resource === "jobs") step(o.name.replace(/^plexdhook-/, "")).job = span;
    else if (e.verb === "patch" && o.subresource === "status") step(o.name).patch ??= span;
  }
  const rows = [...steps.values()].filter((s) => s.create && s.job && s.patch) as Array<
    Record<"create" | "job" | "patch", [number, number]>
  >;
  const line = (label: string, f: (r: Record<"create" | "job" | "patch", [number, number]>) => number): string => {
    const s = summary(rows.map(f));
    return `    ${label.padEnd(40)} p50 ${s.p50.toFixed(2).padStart(6)}  p90 ${s.p90.toFixed(2).padStart(6)} ms`;
  };
  return [
    `  ${ns} (${rows.length} hooks, server-side times)`,
    line("hook create answered → Job POST arrives", (r) => r.job[0] - r.create[1]),
    line("Job POST at the server", (r) => r.job[1] - r.job[0]),
    line("Job POST answered → status PATCH arrives", (r) => r.patch[0] - r.job[1]),
    line("status PATCH at the server", (r) => r.patch[1] - r.patch[0]),
    line("hook create answered → PATCH answered", (r) => r.patch[1] - r.create[1]),
  ];
}

/** The requests that reached the API server in a time window, by sender, verb and resource. */
function auditCounts(entries: AuditEntry[], from: number, to: number): string[] {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const at = auditMs(e.requestReceivedTimestamp);
    if (at < from || at > to) continue;
    const o = e.objectRef ?? {};
    const key = `${who(e)} ${e.verb} ${o.resource ?? e.verb}${o.subresource ? `/${o.subresource}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([key, n]) => `    ${String(n).padStart(6)}  ${key}`);
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const SINGLE = Number(process.env.BENCH_SINGLE ?? 200);
  const BURST = Number(process.env.BENCH_BURST ?? 1_000);
  const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
  const CREATORS = Number(process.env.BENCH_CREATORS ?? 8);
  const FLOOR_CONCURRENCY = Number(process.env.BENCH_FLOOR_CONCURRENCY ?? 16);
  const SETTLE_MS = Number(process.env.BENCH_SETTLE_S ?? 45) * 1000;
  const AUDIT = process.env.BENCH_AUDIT === "1";
  const FLOOR_LABEL = process.env.BENCH_FLOOR_EVENT === "1" ? "floor+Event (diag)" : "floor";

  // Imported here so the floor actor process does not load the test harness.
  const { startCluster } = await import("../tests/cluster/cluster.ts");
  const { setUp } = await import("../tests/e2e/support/cluster.ts");
  const { startOperator } = await import("../tests/e2e/support/operator.ts");
  type Operator = ReturnType<typeof startOperator>;

  const runStarted = performance.now();
  const cluster = await startCluster({ name: "latency", nodes: [NODE], auditLog: AUDIT });
  const operators: Operator[] = [];
  const floors: Floor[] = [];
  const observers: Observer[] = [];
  const notes: string[] = [];
  try {
    const env = await setUp(cluster);
    const admin = restFor(cluster.kubeconfig);
    // At --log-level warn the operator does not log its health address, so it gets a port chosen
    // here (a later --health-addr overrides startOperator's 127.0.0.1:0).
    const runOperator = async (ns: string): Promise<{ op: Operator; url: string }> => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const op = startOperator([
        "--kubeconfig",
        env.operatorKubeconfig,
        "--namespace",
        ns,
        "--node-name",
        NODE,
        "--log-level",
        "warn",
        "--health-addr",
        `127.0.0.1:${port}`,
      ]);
      operators.push(op);
      const deadline = performance.now() + 30_000;
      while (
        !(await fetch(`${url}readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (op.proc.exitCode !== null) throw new Error(`the operator exited with ${op.proc.exitCode}: ${op.stderr.join("\n")}`);
        if (performance.now() > deadline) throw new Error(`the operator was not ready within 30 s: ${op.stderr.join("\n")}`);
        await Bun.sleep(20);
      }
      return { op, url };
    };
    const stopOperator = async (op: Operator): Promise<void> => {
      operators.splice(operators.indexOf(op), 1);
      await op.stop();
      const problems = op.logs.filter((l) => ["error", "fatal", "50", "60"].includes(String(l.level)));
      if (problems.length) notes.push(`operator logged ${problems.length} errors, e.g. ${JSON.stringify(problems[0])}`);
    };
    const runFloor = async (ns: string): Promise<Floor> => {
      const floor = startFloor(env.operatorKubeconfig, ns, FLOOR_CONCURRENCY);
      floors.push(floor);
      await floor.ready;
      return floor;
    };
    const stopFloor = async (floor: Floor, phase: string): Promise<FloorStats | undefined> => {
      floors.splice(floors.indexOf(floor), 1);
      const stats = await floor.stop();
      if (stats?.errors.length) notes.push(`floor ${phase}: ${stats.errors.length} errors, e.g. ${stats.errors[0]}`);
      return stats;
    };
    const observe = async (ns: string): Promise<Observer> => {
      const o = await Observer.open(admin, ns);
      observers.push(o);
      return o;
    };
    const callsLine = (stats: FloorStats | undefined): string =>
      stats
        ? `floor calls: POST Job p50 ${ms(stats.postMs.p50)} p99 ${ms(stats.postMs.p99)} ms; PATCH status p50 ${ms(stats.patchMs.p50)} p99 ${ms(stats.patchMs.p99)} ms`
        : "floor calls: no stats";
    console.log(`cluster up in ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);

    // 1 + 2. Single hooks, operator and floor interleaved (alternating which goes first), so both meet
    // the same background (the Job controller, scheduler and kwok working through earlier Jobs).
    const opNs = await env.namespace("single-op");
    const floorNs = await env.namespace("single-floor");
    const opObserver = await observe(opNs);
    const floorObserver = await observe(floorNs);
    const { op: singleOp, url: singleUrl } = await runOperator(opNs);
    const singleFloor = await runFloor(floorNs);
    const opLatency: number[] = [];
    const floorLatency: number[] = [];
    let opTimeouts = 0;
    let floorTimeouts = 0;
    const singleStarted = performance.now();
    const opCpu0 = cpuSeconds(singleOp.proc.pid);
    const floorCpu0 = cpuSeconds(singleFloor.proc.pid);
    for (let i = 0; i < WARMUP + SINGLE; i++) {
      const sides = [
        async () => {
          const l = await oneHook(admin, opObserver, `s-${i}`);
          if (i < WARMUP) return;
          if (l === "timeout") opTimeouts++;
          else opLatency.push(l);
        },
        async () => {
          const l = await oneHook(admin, floorObserver, `s-${i}`);
          if (i < WARMUP) return;
          if (l === "timeout") floorTimeouts++;
          else floorLatency.push(l);
        },
      ];
      if (i % 2) sides.reverse();
      for (const side of sides) await side();
    }
    console.log(
      `single hooks: ${((performance.now() - singleStarted) / 1000).toFixed(1)} s; CPU used: operator ${(cpuSeconds(singleOp.proc.pid) - opCpu0).toFixed(2)} s, floor ${(cpuSeconds(singleFloor.proc.pid) - floorCpu0).toFixed(2)} s`,
    );
    console.log(`  ${metricsLine(await scrape(singleUrl))}`);
    console.log(`  ${callsLine(await stopFloor(singleFloor, "single"))}`);
    if (opObserver.failed.size) notes.push(`operator: ${opObserver.failed.size} single hooks went Failed`);
    await stopOperator(singleOp);
    console.log(`  ${await settle(admin, [opNs, floorNs], SETTLE_MS)}`);

    // 3. Burst: the operator, a pause for the cluster, then the floor.
    const burstOpNs = await env.namespace("burst-op");
    const burstFloorNs = await env.namespace("burst-floor");
    const burstOpObserver = await observe(burstOpNs);
    const burstFloorObserver = await observe(burstFloorNs);
    const { op: burstOp, url: burstUrl } = await runOperator(burstOpNs);
    const opBurstAt = Date.now();
    const opBurst = await measured(burstOp.proc.pid, () => burst(admin, burstOpObserver, BURST, CREATORS));
    console.log(
      `operator burst: ${(opBurst.result.totalMs / 1000).toFixed(2)} s (creates took ${(opBurst.result.createMs / 1000).toFixed(2)} s); operator CPU ${opBurst.actorCpu.toFixed(2)} s; machine ${(opBurst.machineBusy * 100).toFixed(0)}% busy`,
    );
    console.log(`  ${metricsLine(await scrape(burstUrl))}`);
    if (burstOpObserver.failed.size) notes.push(`operator: ${burstOpObserver.failed.size} burst hooks went Failed`);
    await stopOperator(burstOp);
    console.log(`  ${await settle(admin, [burstOpNs], SETTLE_MS)}`);

    const burstFloor = await runFloor(burstFloorNs);
    const floorBurstAt = Date.now();
    const floorBurst = await measured(burstFloor.proc.pid, () => burst(admin, burstFloorObserver, BURST, CREATORS));
    console.log(
      `floor burst: ${(floorBurst.result.totalMs / 1000).toFixed(2)} s (creates took ${(floorBurst.result.createMs / 1000).toFixed(2)} s); floor CPU ${floorBurst.actorCpu.toFixed(2)} s; machine ${(floorBurst.machineBusy * 100).toFixed(0)}% busy`,
    );
    console.log(`  ${callsLine(await stopFloor(burstFloor, "burst"))}`);

    if (AUDIT && cluster.auditLogPath) {
      const entries = await readAudit(cluster.auditLogPath);
      console.log("\naudit log: single hooks, step by step");
      for (const line of [...auditSteps(entries, opNs), ...auditSteps(entries, floorNs)]) console.log(line);
      console.log(`audit log: requests during the operator's burst (${(opBurst.result.totalMs / 1000).toFixed(1)} s)`);
      for (const line of auditCounts(entries, opBurstAt, opBurstAt + opBurst.result.totalMs)) console.log(line);
      console.log(`audit log: requests during the floor's burst (${(floorBurst.result.totalMs / 1000).toFixed(1)} s)`);
      for (const line of auditCounts(entries, floorBurstAt, floorBurstAt + floorBurst.result.totalMs)) console.log(line);
    }

    // The summary.
    const op = summary(opLatency);
    const fl = summary(floorLatency);
    const row = (label: string, s: Summary, timeouts: number): string =>
      `  ${label.padEnd(20)}${String(s.n).padStart(5)}${ms(s.p50).padStart(9)}${ms(s.p90).padStart(9)}${ms(s.p99).padStart(9)}${ms(s.max).padStart(9)}${String(timeouts).padStart(10)}`;
    const verdict = (ok: boolean): string => (ok ? "within budget" : "MISSED");
    const p50Ratio = op.p50 / fl.p50;
    const burstRatio = opBurst.result.totalMs / floorBurst.result.totalMs;
    const seconds = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : "timed out");
    console.log("");
    console.log(
      `Hook created → Job exists and status Pending, in ms (${SINGLE} hooks each, one at a time, after ${WARMUP} warm-up)`,
    );
    console.log(
      `  ${"".padEnd(20)}${"n".padStart(5)}${"p50".padStart(9)}${"p90".padStart(9)}${"p99".padStart(9)}${"max".padStart(9)}${"timeouts".padStart(10)}`,
    );
    console.log(row("operator", op, opTimeouts));
    console.log(row(FLOOR_LABEL, fl, floorTimeouts));
    console.log(`  p50 operator / floor    ${p50Ratio.toFixed(2)}     budget ≤ 1.20: ${verdict(p50Ratio <= 1.2)}`);
    console.log(`  p99 operator            ${ms(op.p99)} ms  budget ≤ 50 ms: ${verdict(op.p99 <= 50 && opTimeouts === 0)}`);
    console.log("");
    console.log(`Burst of ${BURST} hooks (${CREATORS} parallel creators): first create → all Pending or later`);
    console.log(`  operator                ${seconds(opBurst.result.totalMs)}  (${opBurst.result.done}/${BURST} seen)`);
    console.log(
      `  ${`${FLOOR_LABEL} (${FLOOR_CONCURRENCY} at once)`.padEnd(23)} ${seconds(floorBurst.result.totalMs)}  (${floorBurst.result.done}/${BURST} seen)`,
    );
    console.log(`  operator / floor        ${burstRatio.toFixed(2)}     budget ≤ 1.25: ${verdict(burstRatio <= 1.25)}`);
    for (const note of notes) console.log(`note: ${note}`);
    console.log(`total run ${((performance.now() - runStarted) / 1000).toFixed(0)} s`);
  } finally {
    // BENCH_AUDIT_COPY=path keeps the audit log for a closer look.
    if (cluster.auditLogPath && process.env.BENCH_AUDIT_COPY)
      await Bun.write(process.env.BENCH_AUDIT_COPY, Bun.file(cluster.auditLogPath));
    for (const o of observers) o.close();
    await Promise.allSettled([...floors.map((f) => f.stop()), ...operators.map((o) => o.stop())]);
    await cluster.stop();
  }
}

if (process.argv[2] === "floor-actor") {
  await floorActor(
    process.argv[3] as string,
    process.argv[4] as string,
    Number(process.argv[5]),
    process.env.BENCH_FLOOR_EVENT === "1",
  );
} else {
  await main();
}
