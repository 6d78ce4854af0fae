import { describe, expect, test } from "bun:test";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import type { Job } from "../core/types.ts";
import { Diagnostics, notStarted, recheckMs } from "./diagnose.ts";

const NOW = new Date("2026-11-22T10:00:00Z");
const job = (name: string, ageSeconds: number, status: Job["status"] = {}): Job => ({
  metadata: { name, namespace: "ns", creationTimestamp: new Date(NOW.getTime() - ageSeconds * 1000) },
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
      involvedObject: { kind: "Job", name: "b" },
      reason: "FailedCreate",
      message: "exceeded quota",
    },
    { metadata: { namespace: "ns" }, involvedObject: { kind: "Job", name: "x" }, reason: "FailedCreate", message: "other" },
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
