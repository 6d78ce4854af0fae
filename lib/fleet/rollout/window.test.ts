// windowState(): open or closed, when it closes or opens next, in the window's time zone, with the cutoff.

import { describe, expect, test } from "bun:test";
import type { RolloutWindow } from "./types.ts";
import { windowState } from "./window.ts";

const nightly: RolloutWindow = { schedule: "0 22 * * *", duration: "4h", timeZone: "Europe/Berlin", cutoff: "30m" };

describe("windowState()", () => {
  test.each([
    // now (UTC; Berlin is UTC+1 in March before the 29th), expected
    ["2026-03-10T20:59:59.000Z", { open: false, opensAt: "2026-03-10T21:00:00.000Z" }],
    ["2026-03-10T21:00:00.000Z", { open: true, closesAt: "2026-03-11T00:30:00.000Z" }],
    ["2026-03-11T00:29:59.000Z", { open: true, closesAt: "2026-03-11T00:30:00.000Z" }],
    // Inside the window but within the cutoff of its end: closed until the next.
    ["2026-03-11T00:30:00.000Z", { open: false, opensAt: "2026-03-11T21:00:00.000Z" }],
    ["2026-03-11T01:30:00.000Z", { open: false, opensAt: "2026-03-11T21:00:00.000Z" }],
    // After the change to summer time Berlin is UTC+2: 22:00 there is 20:00 UTC.
    ["2026-04-01T20:00:00.000Z", { open: true, closesAt: "2026-04-01T23:30:00.000Z" }],
  ])("at %s the nightly Berlin window is %j", (now, expected) => {
    const state = windowState(nightly, new Date(now));
    expect(JSON.parse(JSON.stringify(state))).toEqual(expected);
  });

  test("the time zone defaults to UTC and the cutoff to nothing", () => {
    const state = windowState({ schedule: "0 22 * * *", duration: "1h" }, new Date("2026-03-10T22:59:59.000Z"));
    expect(state).toEqual({ open: true, closesAt: new Date("2026-03-10T23:00:00.000Z") });
  });

  test("overlapping windows: the latest start decides the end", () => {
    const hourly = { schedule: "0 * * * *", duration: "2h" };
    expect(windowState(hourly, new Date("2026-03-10T10:30:00.000Z"))).toEqual({
      open: true,
      closesAt: new Date("2026-03-10T12:00:00.000Z"),
    });
  });

  test.each([
    ["a time zone Intl does not know", { ...nightly, timeZone: "Mars/Base" }, /IANA time zone: "Mars\/Base"/],
    ["a cron expression that does not parse", { ...nightly, schedule: "nightly" }, /five-field cron expression.*: "nightly"/],
    ["a six-field cron expression", { ...nightly, schedule: "0 0 22 * * *" }, /five-field/],
  ])("%s is a RangeError quoting it", (_, window, message) => {
    expect(() => windowState(window, new Date())).toThrow(RangeError);
    expect(() => windowState(window, new Date())).toThrow(message);
  });
});
