// A Reconciler over a MemoryClient and caches set up as a reconcile table case says.

import { pino } from "pino";
import { JOB_FINALIZER } from "../../lib/constants.ts";
import { Diagnostics } from "../../lib/controller/diagnose.ts";
import { Echoes } from "../../lib/controller/echoes.ts";
import { EventRecorder } from "../../lib/controller/events.ts";
import { HookCache } from "../../lib/controller/hook-cache.ts";
import { JobCache } from "../../lib/controller/job-cache.ts";
import { Reconciler, type ReconcilerDeps } from "../../lib/controller/reconcile.ts";
import { StatusWriter } from "../../lib/controller/status-writer.ts";
import type { Outcome } from "../../lib/controller/work-queue.ts";
import { keyOf } from "../../lib/core/names.ts";
import type { Self } from "../../lib/core/ownership.ts";
import type { Job, PlexdHook, PlexdHookSpec, PlexdHookStatus } from "../../lib/core/types.ts";
import type { ObjectChange } from "../../lib/kube/client.ts";
import { Metrics } from "../../lib/observe/metrics.ts";
import { type Faults, MemoryClient } from "./memory-client.ts";

const NS = "plexd-system";
/** The reconciler's clock. */
export const NOW = new Date("2026-11-22T10:00:00Z");
const quiet = pino({ level: "silent" });

/** Where the hook's Job is before the reconcile: in the cache, only in the API, or deleted (as last seen). */
type JobPlace = "cached" | "api" | "gone";

/** One row of the table: the hook (always `h`) and its Job as they are, and what reconcile() should do. */
export interface Case {
  hook: { spec?: Partial<PlexdHookSpec>; status?: PlexdHookStatus; ageSeconds?: number };
  /** owner: the controller owner reference names this hook's UID, another PlexdHook's, or nothing. */
  /** held: it carries JOB_FINALIZER; deleting: a deletion waits on that finalizer. */
  job?: {
    where: JobPlace;
    status?: Job["status"];
    owner?: "hook" | "other" | "none";
    ageSeconds?: number;
    held?: boolean;
    deleting?: boolean;
    /** The node its kubernetes.io/hostname nodeSelector names, if any. */
    pinned?: string;
  };
  self?: Partial<Self>;
  faults?: Faults;
  /** The requests reconcile makes, in order (see MemoryClient.log). */
  calls: string[];
  outcome?: Outcome;
  /** The hook's status afterwards; undefined: never written. */
  status: Partial<PlexdHookStatus> | undefined;
  /** Reasons of the Events recorded on the hook. */
  events?: string[];
}

/** What a test may change besides the case: the clock, and the reconcile settings. */
export interface Arrangement {
  now?: () => Date;
  config?: Partial<ReconcilerDeps["config"]>;
}

/** The watch event of hook `name`'s deletion, for the hook cache. */
export function hookDeleted(name: string): ObjectChange<PlexdHook> {
  return { type: "DELETED", object: { metadata: { name, namespace: NS }, spec: { hookName: "x" } } as PlexdHook };
}

/** Sets up the client and the caches as the case says, and a Reconciler over them. */
export function arrange(c: Case, options: Arrangement = {}) {
  const client = new MemoryClient();
  client.faults = c.faults ?? {};
  const created = new Date(NOW.getTime() - (c.hook.ageSeconds ?? 1) * 1000);
  const hook = client.addHook("h", { hookName: "x", ...c.hook.spec }, { status: c.hook.status, created });
  const hooks = new HookCache();
  hooks.storeEvent("own", { type: "ADDED", object: hook });
  const jobs = new JobCache();
  if (c.job) {
    const uid = c.job.owner === "other" ? "uid-other" : hook.metadata.uid;
    const owner = { apiVersion: "plexd.plexsphere.com/v1alpha1", kind: "PlexdHook", name: "h", uid, controller: true };
    const job = client.jobs.put({
      metadata: {
        name: "plexdhook-h",
        namespace: NS,
        uid: "uid-job-h",
        creationTimestamp: new Date(NOW.getTime() - (c.job.ageSeconds ?? 1) * 1000),
        ...(c.job.held && { finalizers: [JOB_FINALIZER] }),
        ...(c.job.deleting && { deletionTimestamp: NOW }),
        ownerReferences: c.job.owner === "none" ? [] : [owner],
      },
      ...(c.job.pinned && {
        spec: { template: { spec: { nodeSelector: { "kubernetes.io/hostname": c.job.pinned }, containers: [] } } },
      }),
      status: c.job.status,
    });
    if (c.job.where === "cached") jobs.storeEvent({ type: "ADDED", object: job });
    if (c.job.where === "gone") {
      client.jobs.remove(keyOf(job));
      jobs.storeEvent({ type: "DELETED", object: job });
    }
  }
  const now = options.now ?? (() => NOW);
  const events = new EventRecorder(client, "node-a", quiet, now);
  const reconciler = new Reconciler({
    client,
    hooks,
    jobs,
    echoes: new Echoes(),
    statusWriter: new StatusWriter({ client, hooks, events, echoes: new Echoes(), logger: quiet }),
    diagnostics: new Diagnostics(client, now),
    self: () => ({ role: "agent", nodeName: "node-a", leader: false, ...c.self }),
    events,
    metrics: new Metrics(),
    logger: quiet,
    config: {
      transientRetryWindowMs: 0,
      forbiddenRetryWindowMs: 0,
      ownedElsewhereRetryMs: 2_000,
      ownedElsewhereGiveUpMs: 60_000,
      ...options.config,
    },
    now,
  });
  return { client, reconciler, hooks, jobs };
}
