import { describe, expect, test } from "bun:test";
import { configError, failedCreate, failedPod, terminatedPod, unschedulable } from "../../tests/support/pods.ts";
import { deriveStatus, failedStatus, pendingStatus } from "./status.ts";
import type { Job, Phase, PlexdHook, PlexdHookStatus, Pod } from "./types.ts";

const NOW = new Date("2026-11-22T10:00:00Z");
const EARLIER = "2026-11-22T09:00:00.000Z";

function hook(status?: PlexdHookStatus): PlexdHook {
  return {
    metadata: { name: "h", namespace: "ns", uid: "u", generation: 2 },
    spec: { hookName: "x" },
    ...(status && { status }),
  };
}

function job(status: Job["status"]): Job {
  return { metadata: { name: "plexdhook-h" }, status };
}

const complete = {
  conditions: [{ type: "Complete", status: "True", lastTransitionTime: new Date("2026-11-22T09:30:00Z") }],
  completionTime: new Date("2026-11-22T09:30:01Z"),
};
const deadline = {
  conditions: [
    {
      type: "Failed",
      status: "True",
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
      lastTransitionTime: new Date("2026-11-22T09:40:00Z"),
    },
  ],
};
const backoff = {
  conditions: [
    { type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" },
  ],
};
/** A pod whose hook container the kernel's OOM killer ended (SIGKILL), as the kubelet reports it. */
const oomKilledPod = terminatedPod("plexdhook-h-oomkd", 137, "OOMKilled");

describe("deriveStatus() maps the Job to a phase", () => {
  const cases: Array<[string, PlexdHookStatus | undefined, Job["status"], Pod[], Phase, Partial<PlexdHookStatus>]> = [
    ["a Job with no pods yet is Pending", { phase: "Pending", jobName: "plexdhook-h" }, {}, [], "Pending", {}],
    ["a ready pod makes it Running", { phase: "Pending" }, { active: 1, ready: 1 }, [], "Running", {}],
    ["an active but unready pod is still Pending", { phase: "Pending" }, { active: 1, ready: 0 }, [], "Pending", {}],
    [
      "Complete makes it Succeeded with completedAt from the Job",
      { phase: "Running" },
      complete,
      [],
      "Succeeded",
      { completedAt: "2026-11-22T09:30:01.000Z", message: "Job plexdhook-h succeeded" },
    ],
    [
      "a deadline makes it Failed with the reason",
      { phase: "Running" },
      deadline,
      [],
      "Failed",
      {
        completedAt: "2026-11-22T09:40:00.000Z",
        message: "Job plexdhook-h failed: DeadlineExceeded: Job was active longer than specified deadline",
      },
    ],
    [
      "a failed pod's exit code is in the message and in exitCode",
      { phase: "Running" },
      backoff,
      [failedPod],
      "Failed",
      {
        message:
          "Job plexdhook-h failed: BackoffLimitExceeded: Job has reached the specified backoff limit: container hook in pod plexdhook-h-abcde exited with code 3 (Error)",
        exitCode: 3,
      },
    ],
    [
      "a pod the OOM killer ended fails with exit code 137 and OOMKilled in the message",
      { phase: "Running" },
      backoff,
      [oomKilledPod],
      "Failed",
      {
        message:
          "Job plexdhook-h failed: BackoffLimitExceeded: Job has reached the specified backoff limit: container hook in pod plexdhook-h-oomkd exited with code 137 (OOMKilled)",
        exitCode: 137,
      },
    ],
    ["Running never goes back to Pending", { phase: "Running" }, { active: 1, ready: 0 }, [], "Running", {}],
    [
      "Succeeded never changes again",
      { phase: "Succeeded", completedAt: EARLIER },
      deadline,
      [],
      "Succeeded",
      { completedAt: EARLIER },
    ],
    ["Failed never changes again", { phase: "Failed", message: "m" }, complete, [], "Failed", { message: "m" }],
    ["a Job that finished before Pending was written goes straight to Succeeded", undefined, complete, [], "Succeeded", {}],
  ];
  test.each(cases)("deriveStatus(): %s", (_name, current, jobStatus, pods, phase, fields) => {
    const status = deriveStatus(hook(current), job(jobStatus), NOW, { pods });
    expect(status.phase).toBe(phase);
    expect(status).toMatchObject(fields);
  });

  test("deriveStatus() records observedGeneration and a Succeeded condition", () => {
    const status = deriveStatus(hook({ phase: "Running" }), job(complete), NOW);
    expect(status.observedGeneration).toBe(2);
    expect(status.conditions).toContainEqual({
      type: "Succeeded",
      status: "True",
      reason: "JobSucceeded",
      message: "Job plexdhook-h succeeded",
      lastTransitionTime: NOW.toISOString(),
    });
  });

  test("deriveStatus() keeps a condition's transition time while its status holds", () => {
    const first = deriveStatus(hook({ phase: "Pending" }), job({ ready: 1 }), new Date(EARLIER));
    const again = deriveStatus(hook(first), job({ ready: 1 }), NOW);
    expect(again).toEqual(first);
  });
});

describe("deriveStatus() records the Job the first time", () => {
  test("deriveStatus() sets jobName, Pending, startedAt, nodeName and JobCreated on a hook that names no Job", () => {
    const pinned: Job = {
      ...job({}),
      spec: { template: { spec: { containers: [], nodeSelector: { "kubernetes.io/hostname": "node-b" } } } },
    };
    const status = deriveStatus(hook(), pinned, NOW, { node: "node-a" });
    expect(status).toMatchObject({
      jobName: "plexdhook-h",
      phase: "Pending",
      startedAt: NOW.toISOString(),
      nodeName: "node-b",
      observedGeneration: 2,
    });
    expect(status.conditions?.[0]).toMatchObject({ type: "JobCreated", status: "True", reason: "JobCreated" });
  });

  test("deriveStatus() records the intended node when the Job does not say where it runs", () => {
    expect(deriveStatus(hook(), job({}), NOW, { node: "node-a" }).nodeName).toBe("node-a");
  });

  test("deriveStatus() keeps an earlier startedAt and a later phase", () => {
    const status = deriveStatus(hook({ phase: "Running", startedAt: EARLIER }), job({}), NOW);
    expect(status).toMatchObject({ phase: "Running", startedAt: EARLIER, jobName: "plexdhook-h" });
  });

  test("deriveStatus() drops the message of a hook no controller had taken once its Job exists", () => {
    const status = deriveStatus(
      hook({ phase: "Pending", message: "No plexd-hook controller has taken this hook" }),
      job({}),
      NOW,
    );
    expect(status.message).toBeUndefined();
  });

  test("deriveStatus() leaves a hook that already names its Job where it was", () => {
    const status = deriveStatus(hook({ phase: "Pending", jobName: "plexdhook-h", nodeName: "node-a" }), job({}), NOW);
    expect(status.startedAt).toBeUndefined();
    expect(status.conditions?.map((c) => c.type)).toEqual(["Succeeded"]);
  });

  test("deriveStatus() never touches a finished hook", () => {
    const failed: PlexdHookStatus = { phase: "Failed", message: "InvalidSpec" };
    expect(deriveStatus(hook(failed), job(complete), NOW)).toEqual(failed);
  });
});

describe("pendingStatus() and failedStatus()", () => {
  test("pendingStatus() records a Job asked for but not yet seen: jobName, Pending, startedAt, nodeName, JobCreated", () => {
    const status = pendingStatus(hook(), "plexdhook-h", "node-a", NOW);
    expect(status).toMatchObject({ jobName: "plexdhook-h", phase: "Pending", startedAt: NOW.toISOString(), nodeName: "node-a" });
    expect(status.conditions?.map((c) => c.type)).toEqual(["JobCreated"]);
  });

  test("failedStatus() sets Failed with the message and conditions", () => {
    const status = failedStatus(hook(), "JobCreateFailed", "boom", NOW);
    expect(status).toMatchObject({ phase: "Failed", message: "boom", startedAt: NOW.toISOString() });
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["JobCreated", "False", "JobCreateFailed"],
      ["Succeeded", "False", "JobCreateFailed"],
    ]);
  });
});

describe("deriveStatus() says why a hook is still Pending", () => {
  test("deriveStatus() keeps the hook Pending with that message, and drops it once the pod runs", () => {
    const stuck = deriveStatus(hook({ phase: "Pending" }), job({ active: 1, ready: 0 }), NOW, { pods: [unschedulable] });
    expect(stuck).toMatchObject({ phase: "Pending", message: expect.stringContaining("cannot be scheduled") });
    const running = deriveStatus(hook(stuck), job({ active: 1, ready: 1 }), NOW);
    expect(running.phase).toBe("Running");
    expect(running.message).toBeUndefined();
  });

  test("deriveStatus() keeps a podless Job's hook Pending with that reason", () => {
    const status = deriveStatus(hook({ phase: "Pending" }), job({}), NOW, {
      jobEvents: [failedCreate("exceeded quota: pods=0", "2026-11-22T09:00:00Z")],
    });
    expect(status).toMatchObject({ phase: "Pending", message: "the Job cannot create its pod: exceeded quota: pods=0" });
  });
});

describe("deriveStatus() names a parameter's missing ConfigMap or Secret", () => {
  const withRef: PlexdHook = {
    ...hook({ jobName: "plexdhook-h", phase: "Pending" }),
    spec: { hookName: "x", parameters: [{ name: "token", valueFrom: { secretKeyRef: { name: "creds", key: "t" } } }] },
  };

  test("the kubelet's CreateContainerConfigError becomes a Pending message naming the Secret, key and parameter", () => {
    const status = deriveStatus(withRef, job({ active: 1 }), NOW, { pods: [configError('secret "creds" not found')] });
    expect(status.phase).toBe("Pending");
    expect(status.message).toBe("Secret ns/creds does not exist (parameter token reads its key t)");
  });

  test("a config error about something else keeps the kubelet's words", () => {
    const status = deriveStatus(withRef, job({ active: 1 }), NOW, {
      pods: [configError("container has runAsNonRoot and image will run as root")],
    });
    expect(status.message).toContain("CreateContainerConfigError: container has runAsNonRoot");
  });
});
