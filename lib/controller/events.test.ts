import { expect, test } from "bun:test";
import pino from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import type { PlexdHook } from "../core/types.ts";
import { ApiError } from "../kube/errors.ts";
import { EventRecorder } from "./events.ts";

const quiet = pino({ level: "silent" });
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function setup() {
  const client = new MemoryClient();
  const clock = { ms: Date.parse("2026-11-23T10:00:00Z") };
  const recorder = new EventRecorder(client, "node-a", quiet, () => new Date(clock.ms));
  const hook = (name: string): PlexdHook => client.hook(name) ?? client.addHook(name, { hookName: name });
  return { client, clock, recorder, hook };
}

test("a repeated Event is one Event whose count and lastTimestamp rise, sent by one create and one PATCH each", async () => {
  const { client, clock, recorder, hook } = setup();
  recorder.record(hook("a"), "Warning", "PodNotStarting", "image cannot be pulled");
  await settle();
  clock.ms += 60_000;
  recorder.record(hook("a"), "Warning", "PodNotStarting", "image cannot be pulled");
  await settle();
  expect(client.events.map((e) => [e.reason, e.count, e.firstTimestamp, e.lastTimestamp])).toEqual([
    ["PodNotStarting", 2, "2026-11-23T10:00:00.000Z", "2026-11-23T10:01:00.000Z"],
  ] as never);
  const name = client.events[0]?.metadata.name;
  expect(client.eventRequests).toEqual([`create ${name}`, `patch ${name}`]);
});

test("repeats of an Event still waiting to be sent are folded into it: one create with the latest count", async () => {
  const { client, recorder, hook } = setup();
  // Two Events fill the sending slots; the third waits, and its repeats join it.
  recorder.record(hook("a"), "Normal", "JobCreated", "a");
  recorder.record(hook("b"), "Normal", "JobCreated", "b");
  for (let i = 0; i < 4; i++) recorder.record(hook("c"), "Warning", "PodNotStarting", "stuck");
  await settle();
  expect(client.eventRequests.map((r) => r.split(" ")[0])).toEqual(["create", "create", "create"]);
  expect(client.events.map((e) => [e.involvedObject.name, e.count])).toEqual([
    ["a", 1],
    ["b", 1],
    ["c", 4],
  ]);
});

test("a repeat of an Event that expired at the API server creates it again, with the count carried on", async () => {
  const { client, recorder, hook } = setup();
  recorder.record(hook("a"), "Warning", "R", "m");
  await settle();
  client.events.length = 0;
  recorder.record(hook("a"), "Warning", "R", "m");
  await settle();
  expect(client.eventRequests.map((r) => r.split(" ")[0])).toEqual(["create", "patch", "create"]);
  expect(client.events.map((e) => e.count)).toEqual([2]);
});

test("a create whose answer was lost (AlreadyExists on the retry) becomes a PATCH", async () => {
  const { client, recorder, hook } = setup();
  const create = client.createEvent.bind(client);
  let fail = true;
  client.createEvent = async (event) => {
    await create(event);
    if (fail) {
      fail = false;
      throw new ApiError("timeout", 504, "Timeout");
    }
  };
  recorder.record(hook("a"), "Warning", "R", "m");
  await settle();
  recorder.record(hook("a"), "Warning", "R", "m");
  await settle();
  expect(client.eventRequests.map((r) => r.split(" ")[0])).toEqual(["create", "create", "patch"]);
  expect(client.events.map((e) => e.count)).toEqual([2]);
});

test("similar Events past the threshold end as one combined Event, and a hook's flood is cut by the spam filter", async () => {
  const { client, recorder, hook } = setup();
  for (let i = 0; i < 40; i++) {
    recorder.record(hook("a"), "Warning", "PodNotStarting", `attempt ${i}`);
    await settle();
  }
  const combined = client.events.filter((e) => e.message?.startsWith("(combined from similar events): "));
  expect(combined).toHaveLength(1);
  // 9 single ones, then the combined one: 25 sent (the burst), its count 16 of the 31 it stands for so far.
  expect(client.events).toHaveLength(10);
  expect(combined[0]?.count).toBe(16);
  expect(client.eventRequests).toHaveLength(25);
});

test("Events that cannot be sent are told at warn level, once a minute with how many were lost", async () => {
  const client = new MemoryClient();
  const clock = { ms: Date.parse("2026-11-23T10:00:00Z") };
  const lines: Array<{ level: number; unsent?: number; error?: string }> = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const recorder = new EventRecorder(client, "node-a", logger, () => new Date(clock.ms));
  client.createEvent = async () => {
    throw new ApiError("events is forbidden", 403, "Forbidden");
  };
  for (const name of ["a", "b", "c"]) recorder.record(client.addHook(name, { hookName: name }), "Normal", "JobCreated", name);
  await settle();
  clock.ms += 60_000;
  recorder.record(client.addHook("d", { hookName: "d" }), "Normal", "JobCreated", "d");
  await settle();
  // pino numbers its levels: warn is 40.
  const warnings = lines.filter((l) => l.level === 40);
  expect(warnings.map((l) => [l.unsent, l.error])).toEqual([
    [1, "events is forbidden"],
    [3, "events is forbidden"],
  ]);
});
