// The operator on real-0 for the e2e files that install it there: its image, hooks aimed at real-0, the Job creates in
// the audit log, and a record of every status each hook showed (to prove none ended twice).

import { join } from "node:path";
import type { PlexdHookSpec } from "../../../lib/core/types.ts";
import pkg from "../../../package.json" with { type: "json" };
import { readAuditLog } from "../../cluster/audit.ts";
import type { Cluster } from "../../cluster/cluster.ts";
import { waitFor } from "../../cluster/wait.ts";
import { readLines } from "../../support/lines.ts";
import { REPO } from "./operator.ts";

export const REAL_NODE = "real-0";
// busybox from busybox-static, imported on real-0; a fixed tag, since `:latest` means "always pull".
const BUSYBOX = "busybox:1.35";
export const DS_SELECTOR = "app.kubernetes.io/name=plexd-hook,app.kubernetes.io/component=controller";
export const FLEET_SELECTOR = "app.kubernetes.io/name=plexd-hook,app.kubernetes.io/component=fleet";

/** `npm run image` for amd64 with the reference `ref`, into `work`; returns the archive's path. */
export async function buildImage(work: string, ref: string): Promise<string> {
  const out = join(work, "image");
  const args = ["run", "scripts/image.ts", "--arch", "amd64", "--out", out, "--ref", ref];
  const proc = Bun.spawn([process.execPath, ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`npm run image failed (${code}): ${stderr.trim()}`);
  return join(out, `plexd-hook-${pkg.version}-image-linux-amd64.tar`);
}

/** A hook spec running `script` in busybox with sh -c. */
export const shell = (script: string): Partial<PlexdHookSpec> => ({
  jobTemplate: { image: BUSYBOX, command: ["/bin/sh", "-c"], args: [script] },
});

/** kubectl as admin for one cluster, throwing with its stderr. */
export function kubectlOf(cluster: Cluster) {
  const k = async (args: string[], stdin?: string): Promise<string> => {
    const res = await cluster.kubectl(args, stdin === undefined ? {} : { stdin });
    if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${res.code}): ${res.stderr.trim()}`);
    return res.stdout;
  };
  const json = async <T = any>(args: string[]): Promise<T> => JSON.parse(await k([...args, "-o", "json"])) as T;
  return { k, json };
}

const isReady = (pod: any): boolean => pod.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");

/** The pods matching `selector` in `ns` that are not being deleted, optionally only those on `node`. */
export async function livePods(cluster: Cluster, ns: string, selector: string, node?: string): Promise<any[]> {
  const pods = await kubectlOf(cluster).json<{ items: any[] }>(["get", "pods", "-n", ns, "-l", selector]);
  return pods.items.filter((p) => p.metadata.deletionTimestamp === undefined && (node === undefined || p.spec.nodeName === node));
}

/** Waits for `count` Ready pods matching `selector` (and `accept`); returns them. */
export function readyPods(
  cluster: Cluster,
  ns: string,
  selector: string,
  count: number,
  accept: (pod: any) => boolean = () => true,
): Promise<any[]> {
  return waitFor(
    `${count} Ready pod(s) ${selector}`,
    async () => {
      const pods = (await livePods(cluster, ns, selector)).filter((p) => isReady(p) && accept(p));
      return pods.length === count ? pods : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
}

/** Waits for a hook to reach Succeeded or Failed; returns its status. */
export function finished(cluster: Cluster, ns: string, name: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(
    `hook ${name} to finish`,
    async () => {
      const status = (await kubectlOf(cluster).json(["get", "plexdhook", name, "-n", ns])).status;
      return status?.phase === "Succeeded" || status?.phase === "Failed" ? status : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/**
 * Jobs stored in `ns` by Job name, counted from the audit log's creates: each answered 201, and one
 * more for a name whose only creates lost their answer (a client killed while its create was in
 * flight: the API server records the cancelled request as 500 "context canceled", newer ones as 408,
 * though the Job may be stored; a later create of the same name would then have been refused 409).
 * Refusals (403, 409 AlreadyExists, 422) store nothing.
 */
export function jobCreates(cluster: Cluster, ns: string): Map<string, number> {
  const stored = new Map<string, number>();
  const lost = new Set<string>();
  for (const e of readAuditLog(cluster.auditLogPath as string)) {
    if (e.verb !== "create" || e.objectRef?.resource !== "jobs" || e.objectRef.subresource !== undefined) continue;
    if (e.objectRef.namespace !== ns) continue;
    const [name, code] = [e.objectRef.name ?? "", e.responseStatus?.code];
    if (code === 201) stored.set(name, (stored.get(name) ?? 0) + 1);
    else if (code === undefined || code === 408 || code >= 500) lost.add(name);
  }
  for (const name of lost) if (!stored.has(name)) stored.set(name, 1);
  return stored;
}

interface Seen {
  phase: string;
  completedAt: string;
  exitCode: string;
  /** When the test saw it (ms since the epoch). */
  at: number;
}

/** Every status of every hook in a namespace as a kubectl watch delivers them, until stop(). */
export interface HookWatch {
  seen: Map<string, Seen[]>;
  /** The first time `name` was seen with `phase`, if it was. */
  firstAt(name: string, phase: string): number | undefined;
  /** Names of hooks whose record shows a terminal phase followed by any other status. */
  changedAfterEnd(): string[];
  stop(): Promise<void>;
}

// kubectl passes the output through a tabwriter, which turns tabs into spaces: "|" separates the fields.
const TEMPLATE = '{.metadata.name}{"|"}{.status.phase}{"|"}{.status.completedAt}{"|"}{.status.exitCode}{"\\n"}';

export function watchHooks(cluster: Cluster, ns: string): HookWatch {
  const proc = Bun.spawn(
    [
      cluster.bin.kubectl,
      "--kubeconfig",
      cluster.kubeconfig,
      "get",
      "plexdhooks",
      "-n",
      ns,
      "--watch",
      "-o",
      `jsonpath=${TEMPLATE}`,
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "ignore" },
  );
  const seen = new Map<string, Seen[]>();
  const reading = readLines(proc.stdout, (line) => {
    const [name = "", phase = "", completedAt = "", exitCode = ""] = line.split("|");
    if (name === "") return;
    const list = seen.get(name) ?? [];
    const last = list.at(-1);
    // A watch repeats the same status on every write that changes something else (conditions, events).
    if (last?.phase !== phase || last.completedAt !== completedAt || last.exitCode !== exitCode) {
      list.push({ phase, completedAt, exitCode, at: Date.now() });
    }
    seen.set(name, list);
  });
  return {
    seen,
    firstAt: (name, phase) => seen.get(name)?.find((s) => s.phase === phase)?.at,
    changedAfterEnd: () =>
      [...seen]
        .filter(([, list]) => {
          const end = list.findIndex((s) => s.phase === "Succeeded" || s.phase === "Failed");
          return end >= 0 && end < list.length - 1;
        })
        .map(([name]) => name),
    async stop() {
      proc.kill();
      await Promise.all([proc.exited, reading]);
    },
  };
}
