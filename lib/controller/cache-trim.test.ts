// Trimming is invisible to every reader of the caches: each reads, from a trimmed object, what it reads from the whole one.

import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { failedCreate, failedPod, unschedulable } from "../../tests/support/pods.ts";
import { buildJob } from "../core/build-job.ts";
import { jobFailed, jobFinished, observeJob } from "../core/job-state.ts";
import { keyOf } from "../core/names.ts";
import { controllerRef, ownsHook, targetNode } from "../core/ownership.ts";
import { podSelector } from "../core/pods.ts";
import { claimedStatus, deriveStatus, failedStatus, isClaimOnly, pendingStatus, unclaimedStatus } from "../core/status.ts";
import type { Job, PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { trimHook, trimJob } from "./cache-trim.ts";
import { Diagnostics, notStarted, recheckMs } from "./diagnose.ts";
import { buildEvent } from "./events.ts";
import { OutputReader } from "./output.ts";

const NOW = new Date("2026-11-22T10:00:00Z");
const CREATED = "2026-11-22T09:59:30Z";

/** A hook as the API server sends it, with what no reader needs around what they do. */
const fullHook = (status?: PlexdHook["status"]): PlexdHook => ({
  apiVersion: "plexd.plexsphere.com/v1alpha1",
  kind: "PlexdHook",
  metadata: {
    name: "h",
    namespace: "ns",
    uid: "hook-uid",
    resourceVersion: "41",
    generation: 1,
    creationTimestamp: CREATED as unknown as Date,
    labels: { team: "ops" },
    annotations: { note: "x" },
    finalizers: ["example.com/keep"],
    managedFields: [{ manager: "kubectl", operation: "Update" }],
  },
  spec: {
    hookName: "upgrade",
    nodeName: "node-a",
    jobTemplate: { image: "busybox", command: ["sh", "-c"], args: ["true"] },
    parameters: [{ name: "a", value: "1" }],
    output: { tailLines: 5 },
  },
  ...(status && { status }),
});

/** The hook's Job as the API server sends it: the Job controller's labels, selector and status around plexd's. */
function fullJob(status?: Job["status"]): Job {
  const job = buildJob(fullHook(), "node-a");
  const uid = { "batch.kubernetes.io/controller-uid": "job-uid", "controller-uid": "job-uid" };
  const names = { "batch.kubernetes.io/job-name": "plexdhook-h", "job-name": "plexdhook-h" };
  Object.assign(job.metadata ?? {}, {
    uid: "job-uid",
    resourceVersion: "42",
    creationTimestamp: CREATED,
    generation: 1,
    labels: { ...job.metadata?.labels, ...uid, ...names },
    managedFields: [{ manager: "plexd-hook" }],
  });
  job.metadata?.ownerReferences?.push({ apiVersion: "v1", kind: "ConfigMap", name: "other", uid: "x" });
  Object.assign(job.spec ?? {}, { selector: { matchLabels: uid }, completions: 1, parallelism: 1, suspend: false });
  Object.assign(job.spec?.template.metadata?.labels ?? {}, uid, names);
  return { ...job, ...(status && { status }) };
}

const at = (iso: string) => iso as unknown as Date;
const JOBS: Array<[string, Job["status"] | undefined]> = [
  ["just created", undefined],
  ["waiting for its pod", { active: 1, ready: 0, startTime: at(CREATED), terminating: 0, uncountedTerminatedPods: {} }],
  ["without a pod", { active: 0, startTime: at(CREATED) }],
  ["running", { active: 1, ready: 1, startTime: at(CREATED) }],
  [
    "complete",
    {
      succeeded: 1,
      completionTime: at("2026-11-22T09:59:50Z"),
      conditions: [
        { type: "Suspended", status: "False" },
        { type: "SuccessCriteriaMet", status: "True", lastTransitionTime: at("2026-11-22T09:59:49Z") },
        { type: "Complete", status: "True", reason: "CompletionsReached", lastTransitionTime: at("2026-11-22T09:59:50Z") },
      ],
    },
  ],
  [
    "past its deadline",
    {
      failed: 1,
      conditions: [
        {
          type: "FailureTarget",
          status: "True",
          reason: "DeadlineExceeded",
          message: "Job was active longer than specified deadline",
        },
        { type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" },
      ],
    },
  ],
];

/** Every reader of a cached Job and hook, with the API calls it made: the answers must not change with trimming. */
async function readAll(job: Job, hook: PlexdHook): Promise<unknown[]> {
  const calls: unknown[] = [];
  const client = new Proxy({} as KubeClient, {
    get:
      (_target, method) =>
      async (...args: unknown[]) => {
        calls.push([method, ...args]);
        return [];
      },
  });
  const diagnostics = new Diagnostics(client, () => NOW, { byNode: true });
  const claimed = { ...hook, status: claimedStatus(hook, "plexdhook-h", "node-a", NOW) };
  const status = deriveStatus(claimed, job, NOW, { pods: [failedPod] });
  const self = { role: "agent" as const, nodeName: "node-a", leader: false };
  return [
    ...[keyOf(job), controllerRef(job), jobFinished(job), jobFailed(job), podSelector(job)],
    ...[recheckMs(job, NOW), notStarted(job, NOW), await diagnostics.pods(job), await diagnostics.createFailures(job)],
    observeJob(job, [failedPod], [failedCreate("quota", "2026-11-22T09:59:40Z")], NOW),
    observeJob(job, [unschedulable], [], NOW),
    deriveStatus(hook, job, NOW, { node: "node-b" }),
    status,
    await new OutputReader(client, pino({ level: "silent" }), () => NOW).withOutput(claimed, job, status),
    ...[buildJob(hook, "node-a"), keyOf(hook), ownsHook(hook, self), targetNode(hook, self), isClaimOnly(claimed)],
    ...[failedStatus(hook, "R", "m", NOW), unclaimedStatus(hook, 30, NOW), pendingStatus(hook, "j", "n", NOW)],
    { ...buildEvent(hook, "Normal", "R", "m", "host", NOW), metadata: undefined },
    calls,
  ];
}

/** Records the path of every property read, array indices as "*". */
function recording<T extends object>(target: T, seen: Set<string>, path: string[] = []): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof key === "symbol") return value;
      const at = [...path, /^\d+$/.test(key) ? "*" : key];
      seen.add(JSON.stringify(at));
      return value !== null && typeof value === "object" ? recording(value, seen, at) : value;
    },
  });
}

/** Whether `path` leads to a value in `value` (for "*", in any element). */
function has(value: unknown, path: string[]): boolean {
  if (path.length === 0) return value !== undefined;
  if (value === null || typeof value !== "object") return false;
  const [key, ...rest] = path as [string, ...string[]];
  if (key === "*") return Array.isArray(value) && value.some((item) => has(item, rest));
  return has((value as Record<string, unknown>)[key], rest);
}

describe("trimJob() and trimHook()", () => {
  test.each(JOBS)("every reader answers the same for a Job %s and its hook, trimmed or whole", async (_what, status) => {
    expect(await readAll(trimJob(fullJob(status)), trimHook(fullHook()))).toEqual(await readAll(fullJob(status), fullHook()));
  });

  test.each(JOBS)("every field a reader reads of a Job %s and its hook is kept", async (_what, status) => {
    const seen = { job: new Set<string>(), hook: new Set<string>() };
    await readAll(recording(fullJob(status), seen.job), recording(fullHook(), seen.hook));
    const lost = (whole: object, trimmed: object, paths: Set<string>) =>
      [...paths].map((p) => JSON.parse(p) as string[]).filter((p) => has(whole, p) && !has(trimmed, p));
    expect(lost(fullJob(status), trimJob(fullJob(status)), seen.job)).toEqual([]);
    expect(lost(fullHook(), trimHook(fullHook()), seen.hook)).toEqual([]);
  });

  test("what no reader needs is dropped: the pod template, the Job controller's labels, managedFields, other owners", () => {
    const job = trimJob(fullJob(JOBS[4]?.[1]));
    expect(Object.keys(job.metadata?.labels ?? {})).toEqual([
      "app.kubernetes.io/managed-by",
      "plexd.plexsphere.com/hook-name",
      "plexd.plexsphere.com/node",
    ]);
    expect(job.metadata?.ownerReferences?.map((ref) => ref.kind)).toEqual(["PlexdHook"]);
    expect(job.metadata?.managedFields).toBeUndefined();
    expect(job.spec as unknown).toEqual({ template: { spec: { nodeSelector: { "kubernetes.io/hostname": "node-a" } } } });
    expect(job.status?.conditions?.map((c) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(Object.keys(trimHook(fullHook()).metadata).sort()).toEqual(
      ["creationTimestamp", "generation", "name", "namespace", "resourceVersion", "uid"].sort(),
    );
  });

  test("a trimmed Job is far smaller than the whole one", () => {
    const whole = JSON.stringify(fullJob(JOBS[4]?.[1])).length;
    expect(JSON.stringify(trimJob(fullJob(JOBS[4]?.[1]))).length).toBeLessThan(whole / 3);
  });
});
