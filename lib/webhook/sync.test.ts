import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOOKS } from "./hooks.ts";
import { parseSyncRequest } from "./parse.ts";
import { finalize, sync } from "./sync.ts";
import type { SyncRequest } from "./wire.ts";

const NOW = new Date("2026-11-23T18:00:00Z");
const fixture = (name: string): SyncRequest =>
  parseSyncRequest(JSON.parse(readFileSync(join(import.meta.dir, "fixtures", `${name}.request.json`), "utf8")));

describe("sync()", () => {
  test("a hook without spec.nodeName fails with a message saying to set it, and gets no Job", () => {
    const request = fixture("sync-v2-create");
    delete request.parent.spec.nodeName;
    const { status, children } = sync(request, NOW);
    expect(children).toEqual([]);
    expect(status.phase).toBe("Failed");
    expect(status.message).toContain("spec.nodeName is required");
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

  test("a ConfigMap without the key keeps the hook Pending, naming the key", () => {
    const request = fixture("sync-v2-create");
    const secret = Object.values(request.related["Secret.v1"] ?? {})[0] as { data: Record<string, string> };
    secret.data = {};
    const { status, children } = sync(request, NOW);
    expect(children).toEqual([]);
    expect(status.message).toBe("Secret plexd-system/disk-check-creds has no key token (read by parameter api-token)");
  });

  test("a missing optional ConfigMap does not hold the hook back", () => {
    const request = fixture("sync-v2-create");
    request.related["ConfigMap.v1"] = {};
    expect(sync(request, NOW).children).toHaveLength(1);
  });

  test("once the missing Secret exists, the Job is asked for and the waiting message goes", () => {
    const waiting = fixture("sync-v2-missing-secret");
    const first = sync(waiting, NOW);
    const request = fixture("sync-v2-create");
    request.parent.status = first.status;
    const { status, children } = sync(request, NOW);
    expect(children).toHaveLength(1);
    expect(status.phase).toBe("Pending");
    expect(status.message).toBeUndefined();
    expect(status.conditions?.find((c) => c.type === "JobCreated")?.status).toBe("True");
  });

  test("a finished hook whose Job is gone (ttlSecondsAfterFinished) keeps its status and gets no new Job", () => {
    const done = sync(fixture("sync-v2-succeeded"), NOW).status;
    const request = fixture("sync-v2-create");
    request.parent.status = done;
    expect(sync(request, NOW)).toEqual({ status: done, children: [], resyncAfterSeconds: 0 });
  });

  test("a Job seen running and then gone fails the hook (never a second run)", () => {
    const running = sync(fixture("sync-v2-running"), NOW).status;
    const request = fixture("sync-v2-create");
    request.parent.status = running;
    const { status, children } = sync(request, NOW);
    expect(children).toEqual([]);
    expect(status.phase).toBe("Failed");
    expect(status.message).toContain("no longer exists");
  });

  test("a Job asked for but not yet in the children (cache lag) is asked for again, not failed", () => {
    const created = sync(fixture("sync-v2-create"), NOW);
    const request = fixture("sync-v2-create");
    request.parent.status = created.status;
    expect(sync(request, NOW)).toEqual(created);
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
    expect(children.map((j) => j.metadata?.name)).toEqual(["plexdhook-disk-check-node-a"]);
    expect(children[0]?.status).toBeUndefined();
  });
});
