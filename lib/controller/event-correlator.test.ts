import { describe, expect, test } from "bun:test";
import type { CoreV1Event } from "@kubernetes/client-node";
import {
  CACHE_SIZE,
  COMBINED_PREFIX,
  EventCorrelator,
  SIMILAR_MAX,
  SIMILAR_WINDOW_MS,
  SPAM_BURST,
  SPAM_REFILL_MS,
} from "./event-correlator.ts";

const START = Date.parse("2026-11-23T10:00:00Z");
let serial = 0;

function event(hook: string, reason: string, message: string, type = "Warning"): CoreV1Event {
  const time = new Date(START) as never;
  return {
    metadata: { name: `${hook}.${++serial}`, namespace: "ns" },
    involvedObject: { kind: "PlexdHook", namespace: "ns", name: hook, uid: `uid-${hook}` },
    source: { component: "plexd-hook", host: "node-a" },
    type,
    reason,
    message,
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
  };
}

function setup() {
  const clock = { ms: START };
  return { clock, correlator: new EventCorrelator(() => new Date(clock.ms)) };
}

describe("EventCorrelator", () => {
  test("an identical Event updates the first: same name, count 1, 2, 3", () => {
    const { correlator } = setup();
    const sent = [1, 2, 3].map(() => correlator.correlate(event("a", "PodNotStarting", "image cannot be pulled")));
    const name = sent[0]?.event.metadata.name;
    expect(sent.map((s) => [s?.event.metadata.name, s?.event.count])).toEqual([
      [name, 1],
      [name, 2],
      [name, 3],
    ]);
    expect(new Set(sent.map((s) => s?.key)).size).toBe(1);
  });

  // [what differs from the first Event, the second, whether the second updates the first]
  const cases: Array<[string, CoreV1Event, boolean]> = [
    ["nothing", event("a", "R", "m"), true],
    ["the message", event("a", "R", "other"), false],
    ["the reason", event("a", "Other", "m"), false],
    ["the type", event("a", "R", "m", "Normal"), false],
    ["the object", event("b", "R", "m"), false],
  ];
  test.each(cases)("an Event that differs by %s updates the first: %p", (_what, second, same) => {
    const { correlator } = setup();
    const first = correlator.correlate(event("a", "R", "m"));
    const next = correlator.correlate(second);
    expect(next?.key === first?.key).toBe(same);
    expect(next?.event.count).toBe(same ? 2 : 1);
  });

  test(`the ${SIMILAR_MAX}th different message of one reason within the window starts one combined Event that later ones update`, () => {
    const { clock, correlator } = setup();
    const sent = Array.from({ length: SIMILAR_MAX + 2 }, (_, i) => {
      clock.ms += 1_000;
      return correlator.correlate(event("a", "R", `message ${i}`));
    });
    expect(sent.slice(0, SIMILAR_MAX - 1).map((s) => s?.event.message)).toEqual(
      Array.from({ length: SIMILAR_MAX - 1 }, (_, i) => `message ${i}`),
    );
    const combined = sent.slice(SIMILAR_MAX - 1);
    expect(combined.map((s) => [s?.event.message, s?.event.count])).toEqual([
      [`${COMBINED_PREFIX}message ${SIMILAR_MAX - 1}`, 1],
      [`${COMBINED_PREFIX}message ${SIMILAR_MAX}`, 2],
      [`${COMBINED_PREFIX}message ${SIMILAR_MAX + 1}`, 3],
    ]);
    expect(new Set(combined.map((s) => s?.event.metadata.name)).size).toBe(1);
  });

  test("similar Events spread wider than the window are never combined", () => {
    const { clock, correlator } = setup();
    for (let i = 0; i < SIMILAR_MAX * 2; i++) {
      clock.ms += SIMILAR_WINDOW_MS + 1;
      expect(correlator.correlate(event("a", "R", `message ${i}`))?.event.message).toBe(`message ${i}`);
    }
  });

  test(`an object gets ${SPAM_BURST} Events at once, then one per SPAM_REFILL_MS; a held-back repeat still counts`, () => {
    const { clock, correlator } = setup();
    const sent = Array.from({ length: SPAM_BURST + 1 }, () => correlator.correlate(event("a", "R", "m")));
    expect(sent.filter(Boolean)).toHaveLength(SPAM_BURST);
    expect(sent.at(-1)).toBeUndefined();
    expect(correlator.correlate(event("b", "R", "m"))?.event.count).toBe(1);
    clock.ms += SPAM_REFILL_MS;
    expect(correlator.correlate(event("a", "R", "m"))?.event.count).toBe(SPAM_BURST + 2);
    expect(correlator.correlate(event("a", "R", "m"))).toBeUndefined();
  });

  test("a hook's phase Events pass even when its repeated Warnings have used up the spam filter's tokens", () => {
    const { correlator } = setup();
    for (let i = 0; i < SPAM_BURST * 2; i++) correlator.correlate(event("a", "PodNotStarting", "ImagePullBackOff"));
    expect(correlator.correlate(event("a", "PodNotStarting", "ImagePullBackOff"))).toBeUndefined();
    for (const reason of ["HookRunning", "HookSucceeded"]) {
      expect(correlator.correlate(event("a", reason, "m", "Normal"))?.event.reason).toBe(reason);
    }
  });

  test(`the caches hold the ${CACHE_SIZE} most recent keys: an Event older than that is made anew`, () => {
    const { correlator } = setup();
    const first = correlator.correlate(event("a", "R", "m"));
    for (let i = 0; i < CACHE_SIZE; i++) correlator.correlate(event(`h-${i}`, "R", "m"));
    const again = correlator.correlate(event("a", "R", "m"));
    expect(again?.event.count).toBe(1);
    expect(again?.event.metadata.name).not.toBe(first?.event.metadata.name);
  });
});
