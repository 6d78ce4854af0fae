import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jobMissingMessage } from "../core/messages.ts";
import { REASON_JOB_MISSING } from "../core/reasons.ts";
import type { PlexdHook, PlexdHookStatus } from "../core/types.ts";
import { HOOKS } from "./hooks.ts";
import { parseSyncRequest } from "./parse.ts";
import { finalize, JOB_UNSEEN_GRACE_SECONDS, RESYNC_SECONDS, sync } from "./sync.ts";
import type { SyncRequest } from "./wire.ts";

const NOW = new Date("2026-11-23T18:00:00Z");
const JOB = "plexdhook-disk-check-node-a";
const fixture = (name: string): SyncRequest =>
  parseSyncRequest(JSON.parse(readFileSync(join(import.meta.dir, "fixtures", `${name}.request.json`), "utf8")));
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const reasonOf = (status: PlexdHookStatus, type = "Succeeded") => status.conditions?.find((c) => c.type === type)?.reason;

/** A status that names the Job as the answer asking for it wrote it, `seconds` ago. */
const asked = (seconds: number): PlexdHookStatus => ({
  jobName: JOB,
  phase: "Pending",
  startedAt: ago(seconds),
  nodeName: "node-a",
  conditions: [
    { type: "JobCreated", status: "Unknown", reason: "JobCreating", message: "Creating", lastTransitionTime: ago(seconds) },
  ],
});
/** A status written after the Job was seen (deriveStatus adds the Succeeded condition). */
const seen = (phase: "Pending" | "Running"): PlexdHookStatus => ({
  ...asked(120),
  phase,
  conditions: [
    { type: "JobCreated", status: "True", reason: "JobCreated", message: "created", lastTransitionTime: ago(119) },
    { type: "Succeeded", status: "Unknown", reason: "PodRunning", message: "running", lastTransitionTime: ago(110) },
  ],
});
const finished = (phase: "Succeeded" | "Failed"): PlexdHookStatus => ({
  ...seen("Running"),
  phase,
  completedAt: ago(60),
  conditions: [
    {
      type: "Succeeded",
      status: phase === "Succeeded" ? "True" : "False",
      reason: "Job",
      message: "",
      lastTransitionTime: ago(60),
    },
  ],
});

/** sync-v2-create (no Job among the children) with `status` on the hook. */
function withoutJob(status: PlexdHookStatus | undefined, patch: (r: SyncRequest) => void = () => {}): SyncRequest {
  const request = fixture("sync-v2-create");
  if (status) request.parent.status = status;
  patch(request);
  return request;
}

describe("sync() asks for a Job at most once", () => {
  // [what, status on the hook, Job asked for, phase after, reason after (Succeeded condition), resyncAfterSeconds]
  const cases: Array<[string, PlexdHookStatus | undefined, boolean, string, string | undefined, number]> = [
    ["a new hook: the Job, and a status naming it", undefined, true, "Pending", undefined, RESYNC_SECONDS],
    ["named 1 s ago, not in the children yet (Metacontroller's cache)", asked(1), false, "Pending", undefined, 59],
    ["named 59 s ago, never seen", asked(59), false, "Pending", undefined, 1],
    ["named 60 s ago, never seen: refused, or ran and was removed", asked(60), false, "Failed", "JobCreationUnconfirmed", 0],
    ["named an hour ago, never seen", asked(3600), false, "Failed", "JobCreationUnconfirmed", 0],
    ["named with a JobCreated time in the future (clock skew)", asked(-600), false, "Pending", undefined, 60],
    ["named with no time at all", { jobName: JOB, phase: "Pending" }, false, "Failed", "JobCreationUnconfirmed", 0],
    ["seen Pending, then gone", seen("Pending"), false, "Failed", "JobMissing", 0],
    ["seen Running, then gone", seen("Running"), false, "Failed", "JobMissing", 0],
    ["Succeeded, then removed (ttlSecondsAfterFinished)", finished("Succeeded"), false, "Succeeded", "Job", 0],
    ["Failed, then removed", finished("Failed"), false, "Failed", "Job", 0],
  ];

  test.each(cases)("%s", (_, status, asksForJob, phase, reason, resync) => {
    const response = sync(withoutJob(status), NOW);
    expect(response.children.map((j) => j.metadata?.name)).toEqual(asksForJob ? [JOB] : []);
    expect(response.status.phase as string).toBe(phase);
    expect(reasonOf(response.status)).toBe(reason);
    expect(response.resyncAfterSeconds).toBe(resync);
    if (asksForJob) expect(response.status.jobName).toBe(JOB);
  });

  test("a hook that names its Job never gets one asked for, whatever its status, spec or clock", () => {
    const statuses = [asked(0), asked(30), asked(61), seen("Pending"), seen("Running"), finished("Succeeded")];
    const specs = [{}, { ttlSecondsAfterFinished: 0 }, { backoffLimit: 3 }, { activeDeadlineSeconds: 10 }];
    for (const status of statuses)
      for (const spec of specs)
        for (const offset of [-3600, 0, 30, 60, 86_400]) {
          const request = withoutJob(status, (r) => Object.assign(r.parent.spec, spec));
          const later = new Date(NOW.getTime() + offset * 1000);
          expect(sync(request, later).children).toEqual([]);
          expect(sync({ ...request, finalizing: true }, later).children).toEqual([]);
        }
  });

  test("the Job that is gone fails the hook with the message the native controller writes for a Job that is gone", () => {
    const { status } = sync(withoutJob(seen("Running")), NOW);
    expect(status.message).toBe(jobMissingMessage(JOB));
  });

  test("the Job asked for carries no outcome finalizer (nothing here would remove it), so nothing holds a deleted Job to be seen: JobMissing, not the native JobDeleted", () => {
    const [job] = sync(withoutJob(undefined), NOW).children;
    expect(job?.metadata?.finalizers).toBeUndefined();
    expect(reasonOf(sync(withoutJob(seen("Running")), NOW).status)).toBe(REASON_JOB_MISSING);
  });

  test("a Job never seen fails the hook saying it is not asked for again, and where to look", () => {
    const { status } = sync(withoutJob(asked(JOB_UNSEEN_GRACE_SECONDS)), NOW);
    expect(status.message).toContain(`Job ${JOB} was asked of Metacontroller and has not appeared in 60 s`);
    expect(status.message).toContain("kubectl describe plexdhook disk-check-node-a");
    expect(status.message).toContain("not asked for again");
  });

  test("through Metacontroller's loop (create, cache lag, seen, done, removed by its TTL), one Job in all", () => {
    const request = withoutJob(undefined, (r) => Object.assign(r.parent.spec, { ttlSecondsAfterFinished: 0 }));
    const running = fixture("sync-v2-running");
    const succeeded = fixture("sync-v2-succeeded");
    let status: PlexdHookStatus | undefined;
    let asks = 0;
    // Each step: the children Metacontroller observes, seconds since the start.
    const steps: Array<[SyncRequest["children"], number]> = [
      [{}, 0], // a new hook: asked for
      [{}, 1], // the status update is seen before the Job's creation
      [running.children, 2], // the Job is seen
      [succeeded.children, 10], // it succeeded
      [{}, 11], // the TTL controller removed it
      [{}, 3600], // a resync an hour later
    ];
    for (const [children, at] of steps) {
      const now = new Date(NOW.getTime() + at * 1000);
      const answer = sync({ ...request, parent: { ...request.parent, status }, children }, now);
      if (Object.keys(children).length === 0) asks += answer.children.length;
      status = answer.status;
    }
    expect(asks).toBe(1);
    expect(status?.phase).toBe("Succeeded");
  });
});

describe("sync() with spec.drain.enabled: no fleet controller drains the node under Metacontroller", () => {
  const ON = { enabled: true };
  // No fleet controller writes status.drain in this mode: a hook cannot get its Job by claiming a drain.
  const complete: PlexdHookStatus = { phase: "Pending", drain: { stage: "Complete", nodeName: "node-a" } };
  // [what, request (sync-v2-…), spec.drain, status on the hook, Jobs answered, phase after, reason after (Succeeded condition)]
  const cases: Array<[string, string, object, PlexdHookStatus | undefined, string[], string, string | undefined]> = [
    ["a new hook fails, with no Job", "create", ON, undefined, [], "Failed", "DrainUnsupported"],
    ["a status saying the drain is Complete fails too", "create", ON, complete, [], "Failed", "DrainUnsupported"],
    ["enabled: false gets its Job, as without spec.drain", "create", { enabled: false }, undefined, [JOB], "Pending", undefined],
    ["a hook whose status names its Job never gets it asked for again", "create", ON, asked(1), [], "Pending", undefined],
    ["a hook whose Job already runs keeps it, and is followed", "running", ON, undefined, [JOB], "Running", "PodRunning"],
  ];

  test.each(cases)("%s", (_, base, drain, status, jobs, phase, reason) => {
    const request = fixture(`sync-v2-${base}`);
    request.parent.spec.drain = drain as PlexdHook["spec"]["drain"];
    if (status) request.parent.status = status;
    const response = sync(request, NOW);
    expect(response.children.map((j) => j.metadata?.name)).toEqual(jobs);
    expect(response.status.phase as string).toBe(phase);
    expect(reasonOf(response.status)).toBe(reason);
  });

  test("a hook that drains fails saying what to change, and no spec, status, clock or finalizing gets it a Job", () => {
    const request = withoutJob(undefined, (r) => Object.assign(r.parent.spec, { drain: { enabled: true } }));
    const { status, resyncAfterSeconds } = sync(request, NOW);
    expect(status.message).toBe(
      "spec.drain is not supported when plexd-hook runs under Metacontroller (no fleet controller cordons and drains the node first), so no Job was made: delete PlexdHook disk-check-node-a and create it again without spec.drain, or run plexd-hook natively (deploy/kubernetes), whose fleet controller drains the node before the Job",
    );
    expect(resyncAfterSeconds).toBe(0);
    for (const spec of [{}, { nodeName: undefined }, { nodeName: "node-zzz" }, { ttlSecondsAfterFinished: 0 }])
      for (const current of [undefined, status, { phase: "Pending" as const }])
        for (const offset of [0, 60, 86_400]) {
          const later = new Date(NOW.getTime() + offset * 1000);
          const r = withoutJob(current, (x) => Object.assign(x.parent.spec, { drain: { enabled: true } }, spec));
          expect(sync(r, later).children).toEqual([]);
          expect(finalize(r, later).children).toEqual([]);
        }
  });
});

describe("sync() writes only news", () => {
  /** The Job of sync-v2-running made and not yet started: no pod ready, none among the related objects. */
  const notStarted = (): SyncRequest["children"] => {
    const children = structuredClone(fixture("sync-v2-running").children);
    const job = Object.values(children["Job.batch/v1"] ?? {})[0] as any;
    job.status = { active: 1, ready: 0 };
    return children;
  };

  test("Metacontroller's loop writes the status three times: the claim, Running, Succeeded", () => {
    const request = fixture("sync-v2-create");
    let status: PlexdHookStatus | undefined;
    const written: string[] = [];
    // Each step: the children Metacontroller observes, the pods it relates, seconds since the start.
    const steps: Array<[string, SyncRequest["children"], SyncRequest["related"], number]> = [
      ["new", {}, request.related, 0],
      ["cache lag", {}, request.related, 1],
      ["seen, not started", notStarted(), request.related, 2],
      ["resync, not started", notStarted(), request.related, 32],
      ["running", fixture("sync-v2-running").children, fixture("sync-v2-running").related, 40],
      ["resync, running", fixture("sync-v2-running").children, fixture("sync-v2-running").related, 70],
      ["succeeded", fixture("sync-v2-succeeded").children, fixture("sync-v2-succeeded").related, 80],
      ["resync, succeeded", fixture("sync-v2-succeeded").children, fixture("sync-v2-succeeded").related, 3600],
    ];
    for (const [what, children, related, at] of steps) {
      const now = new Date(NOW.getTime() + at * 1000);
      const answer = sync({ ...request, parent: { ...request.parent, status }, children, related }, now);
      // Metacontroller updates the status only when the answer differs from what the hook holds.
      if (!Bun.deepEquals(answer.status, status ?? {})) written.push(`${what}: ${answer.status.phase}`);
      status = answer.status;
    }
    expect(written).toEqual(["new: Pending", "running: Running", "succeeded: Succeeded"]);
    expect(status?.conditions?.find((c) => c.type === "JobCreated")?.status).toBe("True");
  });

  test("a Job seen before its pod starts leaves the claim as it is, still asking for no second Job", () => {
    const claim = sync(fixture("sync-v2-create"), NOW).status;
    const request = fixture("sync-v2-create");
    const seenNow = sync({ ...request, parent: { ...request.parent, status: claim }, children: notStarted() }, NOW);
    expect(seenNow.status).toEqual(claim);
    expect(seenNow.children.map((j) => j.metadata?.name)).toEqual([claim.jobName]);
    // Gone before it was recorded: never asked for again, and after the grace the hook fails.
    const later = new Date(NOW.getTime() + JOB_UNSEEN_GRACE_SECONDS * 1000);
    const gone = sync({ ...request, parent: { ...request.parent, status: claim }, children: {} }, later);
    expect(gone.children).toEqual([]);
    expect(reasonOf(gone.status)).toBe("JobCreationUnconfirmed");
  });
});

describe("sync()", () => {
  test("a hook without spec.nodeName fails with a message saying to set it, and gets no Job", () => {
    const request = fixture("sync-v2-create");
    delete request.parent.spec.nodeName;
    const { status, children } = sync(request, NOW);
    expect(children).toEqual([]);
    expect(status.phase).toBe("Failed");
    expect(status.message).toContain("spec.nodeName is required");
    expect(reasonOf(status)).toBe("NodeNameRequired");
  });

  test("parameters that collide fail the hook as the native controller does", () => {
    const request = fixture("sync-v2-create");
    request.parent.spec.parameters = [
      { name: "a-b", value: "1" },
      { name: "a_b", value: "2" },
    ];
    const { status, children } = sync(request, NOW);
    expect(children).toEqual([]);
    expect(status).toMatchObject({ phase: "Failed" });
    expect(status.message).toContain('"a-b" and "a_b"');
  });

  test("a Secret a parameter reads is not looked at: the Job is asked for, and the pod tells if it is missing", () => {
    const request = fixture("sync-v2-create");
    expect(Object.keys(request.related)).not.toContain("Secret.v1");
    expect(sync(request, NOW).children).toHaveLength(1);
    const waiting = sync(fixture("sync-v2-config-error"), NOW);
    expect(waiting.status.phase).toBe("Pending");
    expect(waiting.status.message).toBe(
      "Secret plexd-system/disk-check-creds does not exist (parameter api-token reads its key token)",
    );
  });

  test("a stuck pod's reason reaches the status, as in the native controller", () => {
    const request = fixture("sync-v2-running");
    const job = Object.values(request.children["Job.batch/v1"] ?? {})[0] as any;
    job.status = { active: 1, ready: 0 };
    const pod = Object.values(request.related["Pod.v1"] ?? {})[0] as any;
    pod.status.containerStatuses[0].ready = false;
    pod.status.containerStatuses[0].state = { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } };
    const { status } = sync(request, NOW);
    expect(status.phase).toBe("Pending");
    expect(status.message).toContain("ImagePullBackOff");
  });
});

describe("finalize()", () => {
  test("never creates a Job, and lets a hook without one go at once", () => {
    const response = finalize(fixture("sync-v2-create"), NOW);
    expect(response.children).toEqual([]);
    expect(response.finalized).toBe(true);
  });

  test("lets go of a hook whose pod never started: nothing is cut short", () => {
    const request = fixture("finalize-v2-running");
    const job = Object.values(request.children["Job.batch/v1"] ?? {})[0] as any;
    job.status = { active: 1, ready: 0 };
    request.parent.status = { ...request.parent.status, phase: "Pending" };
    request.related["Pod.v1"] = {};
    expect(finalize(request, NOW)).toMatchObject({ finalized: true, children: [{ metadata: { name: job.metadata.name } }] });
  });

  test("/sync with finalizing: true answers as /finalize", () => {
    const body = JSON.parse(readFileSync(join(import.meta.dir, "fixtures", "finalize-v2-running.request.json"), "utf8"));
    expect(HOOKS.sync(body, NOW)).toEqual(HOOKS.finalize(body, NOW));
  });
});

describe("an existing Job", () => {
  test("is returned even when the hook could no longer be built into one", () => {
    const request = fixture("sync-v2-running");
    request.parent.spec.parameters = [
      { name: "a-b", value: "1" },
      { name: "a_b", value: "2" },
    ];
    const { children } = sync(request, NOW);
    expect(children.map((j) => j.metadata?.name)).toEqual([JOB]);
    expect(children[0]?.status).toBeUndefined();
  });
});
