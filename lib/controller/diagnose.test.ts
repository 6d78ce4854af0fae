import { describe, expect, test } from "bun:test";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import type { Job } from "../core/types.ts";
import { Diagnostics, notStarted, recheckMs } from "./diagnose.ts";

const NOW = new Date("2026-11-22T10:00:00Z");
const job = (name: string, ageSeconds: number, status: Job["status"] = {}, uid = `uid-${name}`): Job => ({
  metadata: { name, namespace: "ns", uid, creationTimestamp: new Date(NOW.getTime() - ageSeconds * 1000) },
  status,
});

describe("when a Job is worth explaining", () => {
  const cases: Array<[string, Job, boolean]> = [
    ["a Job seconds old", job("a", 3), false],
    ["a Job without a pod after a minute", job("b", 60), true],
    ["a Job whose pod is pending after a minute", job("c", 60, { active: 1, ready: 0 }), true],
    ["a running Job", job("d", 60, { active: 1, ready: 1 }), false],
    ["a finished Job", job("e", 60, { conditions: [{ type: "Complete", status: "True" }] }), false],
  ];
  test.each(cases)("notStarted(): %s → %p", (_name, j, expected) => {
    expect(notStarted(j, NOW)).toBe(expected);
  });

  test("recheckMs() looks again once the start grace is over and at a minute of age, then no more", () => {
    expect(recheckMs(job("a", 1), NOW)).toBe(10_000);
    expect(recheckMs(job("a", 12), NOW)).toBe(48_000);
    expect(recheckMs(job("a", 60), NOW)).toBeUndefined();
    expect(recheckMs(job("a", 3_600), NOW)).toBeUndefined();
  });
});

test("Diagnostics shares one namespace-wide list of FailedCreate Events among Jobs", async () => {
  const client = new MemoryClient();
  let lists = 0;
  const list = client.listEvents.bind(client);
  client.listEvents = (namespace, selector) => {
    lists++;
    return list(namespace, selector);
  };
  client.events.push(
    {
      metadata: { namespace: "ns" },
      involvedObject: { kind: "Job", name: "b", uid: "uid-b" },
      reason: "FailedCreate",
      message: "exceeded quota",
    },
    {
      metadata: { namespace: "ns" },
      involvedObject: { kind: "Job", name: "x", uid: "uid-x" },
      reason: "FailedCreate",
      message: "other",
    },
  );
  const diagnostics = new Diagnostics(client, () => NOW);
  expect((await diagnostics.createFailures(job("b", 60))).map((e) => e.message)).toEqual(["exceeded quota"]);
  expect(await diagnostics.createFailures(job("c", 60))).toEqual([]);
  expect(await diagnostics.createFailures(job("young", 1))).toEqual([]);
  expect(lists).toBe(1);
});

test("Diagnostics lists a pending Job's pods at most once a minute, and all Jobs' within a budget", async () => {
  const client = new MemoryClient();
  const clock = { now: NOW.getTime() };
  const diagnostics = new Diagnostics(client, () => new Date(clock.now));
  const pending = (name: string) => job(name, 60, { active: 1, ready: 0 });
  const lists = () => client.log.filter((c) => c === "listPods").length;
  await diagnostics.pods(pending("a"));
  await diagnostics.pods(pending("a"));
  expect(lists()).toBe(1);
  // A burst of 10, then about 2 a second.
  for (let i = 0; i < 50; i++) await diagnostics.pods(pending(`j-${i}`));
  expect(lists()).toBe(10);
  clock.now += 60_000;
  await diagnostics.pods(pending("a"));
  expect(lists()).toBe(11);
  // A failed Job's pods (its exit code) are always read.
  await diagnostics.pods(job("f", 60, { failed: 1, conditions: [{ type: "Failed", status: "True" }] }));
  expect(lists()).toBe(12);
});

describe("a Job recreated under the same name (a hook deleted and created again)", () => {
  const FAILED: Job["status"] = { conditions: [{ type: "Failed", status: "True" }] };
  const podOf = (jobUid: string, exitCode: number) => ({
    metadata: {
      name: `plexdhook-x-${exitCode}`,
      namespace: "ns",
      labels: { "batch.kubernetes.io/job-name": "plexdhook-x", "batch.kubernetes.io/controller-uid": jobUid },
    },
    status: {
      containerStatuses: [
        { name: "hook", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode } } },
      ],
    },
  });

  test("pods() returns only the pods of this Job's UID, not the old Job's of the same name", async () => {
    const client = new MemoryClient();
    client.pods.push(podOf("old-uid", 3), podOf("new-uid", 7));
    const pods = await new Diagnostics(client, () => NOW).pods(job("plexdhook-x", 60, FAILED, "new-uid"));
    expect(pods.map((p) => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode)).toEqual([7]);
  });

  test("createFailures() returns only the Events whose involvedObject.uid is this Job's", async () => {
    const client = new MemoryClient();
    const failure = (uid: string, message: string) => ({
      metadata: { namespace: "ns" },
      involvedObject: { kind: "Job", name: "plexdhook-x", uid },
      reason: "FailedCreate",
      message,
    });
    client.events.push(failure("old-uid", "old quota"), failure("new-uid", "new quota"));
    const events = await new Diagnostics(client, () => NOW).createFailures(job("plexdhook-x", 60, {}, "new-uid"));
    expect(events.map((e) => e.message)).toEqual(["new quota"]);
  });
});
