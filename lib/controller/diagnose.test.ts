import { describe, expect, test } from "bun:test";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { LABEL_HOSTNAME, LABEL_MANAGED_BY, LABEL_NODE, MANAGED_BY_VALUE } from "../constants.ts";
import { LABEL_JOB_CONTROLLER_UID } from "../core/pods.ts";
import type { Job, Pod } from "../core/types.ts";
import { Diagnostics, notStarted, recheckMs } from "./diagnose.ts";
import { BATCH_MAX, PENDING_TTL_MS } from "./pod-lists.ts";

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

describe("pods() reads no list of its own per Job", () => {
  const clock = { now: NOW.getTime() };
  const at = () => new Date(clock.now);
  const pending = (name: string, node = "node-a"): Job => ({
    ...job(name, 60, { active: 1, ready: 0 }),
    metadata: { ...job(name, 60).metadata, labels: { [LABEL_NODE]: node } },
  });
  const failed = (name: string): Job => job(name, 60, { failed: 1, conditions: [{ type: "Failed", status: "True" }] });
  const podOf = (name: string, phase: string, node = "node-a"): Pod => ({
    metadata: {
      name: `${name}-pod`,
      namespace: "ns",
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_NODE]: node, [LABEL_JOB_CONTROLLER_UID]: `uid-${name}` },
    },
    spec: { containers: [{ name: "hook", image: "busybox" }] },
    status: { phase },
  });
  const setup = (byNode = false) => {
    clock.now = NOW.getTime();
    const client = new MemoryClient();
    return { client, diagnostics: new Diagnostics(client, at, { byNode }) };
  };

  test("every pending Job is answered from one shared list of pending pods, read again only after PENDING_TTL_MS", async () => {
    const { client, diagnostics } = setup();
    for (let i = 0; i < 50; i++) client.pods.push(podOf(`j-${i}`, "Pending"));
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => diagnostics.pods(pending(`j-${i}`))));
    expect(answers.map((pods) => pods.map((p) => p.metadata?.name))).toEqual(
      Array.from({ length: 50 }, (_, i) => [`j-${i}-pod`]),
    );
    expect(client.podLists).toEqual([`${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE} status.phase=Pending`]);
    clock.now += PENDING_TTL_MS - 1;
    await diagnostics.pods(pending("j-50"));
    expect(client.podLists).toHaveLength(1);
    clock.now += 1;
    await diagnostics.pods(pending("j-51"));
    expect(client.podLists).toHaveLength(2);
  });

  test("a Job starts at most one read in each stage of its wait, however often it is looked at", async () => {
    const { client, diagnostics } = setup();
    // Created 11 s before NOW; the clock moves on from there.
    const waiting = (active: number): Job => job("w", 11, { active, ready: 0 });
    let eventLists = 0;
    const list = client.listEvents.bind(client);
    client.listEvents = (namespace, selector) => {
      eventLists++;
      return list(namespace, selector);
    };
    // Looked at every 5 s from 11 s of age to 3 minutes, first without a pod, then with one.
    for (let age = 11; age <= 180; age += 5) {
      clock.now = NOW.getTime() + (age - 11) * 1000;
      const j = waiting(age < 30 ? 0 : 1);
      await diagnostics.createFailures(j);
      await diagnostics.pods(j);
    }
    // Stage 1 (before 60 s): Events while it had no pod, then its pods once it had one; stage 2: pods.
    expect(eventLists).toBe(1);
    expect(client.podLists).toHaveLength(2);
    // Once it runs, it is forgotten: a later wait is a new one.
    await diagnostics.pods({ ...waiting(1), status: { active: 1, ready: 1 } });
    await diagnostics.pods(waiting(1));
    expect(client.podLists).toHaveLength(3);
  });

  test("a pod is kept with only what explanations read: of its spec, the node it is pinned to", async () => {
    const { client, diagnostics } = setup();
    const pinned = podOf("a", "Pending");
    pinned.spec = { ...pinned.spec!, nodeSelector: { [LABEL_HOSTNAME]: "node-a" } };
    client.pods.push(pinned, podOf("b", "Pending"));
    const [pod] = await diagnostics.pods(pending("a"));
    expect(pod?.spec).toEqual({ containers: [], nodeSelector: { [LABEL_HOSTNAME]: "node-a" } });
    expect((await diagnostics.pods(pending("b")))[0]?.spec).toBeUndefined();
    expect(pod?.status?.phase).toBe("Pending");
    expect(pod?.metadata?.labels).toEqual({ [LABEL_JOB_CONTROLLER_UID]: "uid-a" });
  });

  const scopes: Array<[string, boolean, string]> = [
    ["cluster mode lists every node's pending pods at once", false, `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`],
    ["node mode lists its node's, as its Job watch does", true, `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE},${LABEL_NODE}=node-a`],
  ];
  test.each(scopes)("%s", async (_name, byNode, selector) => {
    const { client, diagnostics } = setup(byNode);
    await diagnostics.pods(pending("a"));
    expect(client.podLists).toEqual([`${selector} status.phase=Pending`]);
  });

  const unexplained: Array<[string, Job]> = [
    ["a Job seconds old", { ...pending("a"), ...job("a", 3, { active: 1 }) }],
    ["a running Job", job("b", 60, { active: 1, ready: 1 })],
    ["a Job whose pod does not exist yet (its FailedCreate Events say why)", job("c", 60, { active: 0 })],
    ["a Job that succeeded", job("d", 60, { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] })],
  ];
  test.each(unexplained)("no pods are read for %s", async (_name, j) => {
    const { client, diagnostics } = setup();
    expect(await diagnostics.pods(j)).toEqual([]);
    expect(client.podLists).toEqual([]);
  });

  test("failed Jobs that ask together share lists by a set of Job UIDs, at most BATCH_MAX each", async () => {
    const { client, diagnostics } = setup();
    const count = BATCH_MAX * 2 + 3;
    for (let i = 0; i < count; i++) client.pods.push(podOf(`f-${i}`, "Failed"));
    const answers = await Promise.all(Array.from({ length: count }, (_, i) => diagnostics.pods(failed(`f-${i}`))));
    expect(answers.map((pods) => pods.map((p) => p.metadata?.name))).toEqual(
      Array.from({ length: count }, (_, i) => [`f-${i}-pod`]),
    );
    expect(client.podLists).toHaveLength(3);
    expect(client.podLists[0]).toStartWith(`${LABEL_JOB_CONTROLLER_UID} in (uid-f-0,uid-f-1,`);
  });

  test("a failed Job alone costs one list", async () => {
    const { client, diagnostics } = setup();
    client.pods.push(podOf("f", "Failed"));
    expect((await diagnostics.pods(failed("f"))).map((p) => p.metadata?.name)).toEqual(["f-pod"]);
    expect(client.podLists).toEqual([`${LABEL_JOB_CONTROLLER_UID} in (uid-f)`]);
  });

  test("a shared list that fails answers no pods, is reported, and is not asked again before PENDING_TTL_MS", async () => {
    const client = new MemoryClient();
    const errors: unknown[] = [];
    const logger = { warn: (line: { error: string }) => errors.push(line.error) };
    const diagnostics = new Diagnostics(client, at, { byNode: false, logger: logger as never });
    client.listPods = async () => {
      client.podLists.push("refused");
      throw new Error("forbidden");
    };
    expect(await diagnostics.pods(pending("a"))).toEqual([]);
    expect(await diagnostics.pods(pending("b"))).toEqual([]);
    expect(client.podLists).toEqual(["refused"]);
    expect(errors).toEqual(["forbidden"]);
  });

  test("a failed Job's list that fails answers no pods and is reported once: the outcome is not held back for its exit code", async () => {
    const client = new MemoryClient();
    const errors: unknown[] = [];
    const logger = { warn: (line: { error: string }) => errors.push(line.error) };
    const diagnostics = new Diagnostics(client, at, { byNode: false, logger: logger as never });
    client.listPods = async () => {
      throw new Error("unavailable");
    };
    expect(await Promise.all([diagnostics.pods(failed("f")), diagnostics.pods(failed("g"))])).toEqual([[], []]);
    expect(errors).toEqual(["unavailable"]);
  });
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
