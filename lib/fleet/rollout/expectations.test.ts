// Expectations: a rollout waits for its own writes to show up in the caches, also when the echo beats the answer.

import { describe, expect, test } from "bun:test";
import { Expectations } from "./expectations.ts";

describe("Expectations", () => {
  test("a created hook is awaited until the watch brings it", () => {
    const e = new Expectations();
    e.expect("ns/r", "r-a", 0);
    expect(e.pending("ns/r", 1)).toBe(true);
    e.observe("ns/r", "r-a");
    expect(e.pending("ns/r", 2)).toBe(false);
  });

  test("a status write is awaited until the watch brings its resourceVersion", () => {
    const e = new Expectations();
    e.expectVersion("ns/r", "7", 0);
    e.observeVersion("ns/r", "6");
    expect(e.pending("ns/r", 1)).toBe(true);
    e.observeVersion("ns/r", "7");
    expect(e.pending("ns/r", 2)).toBe(false);
  });

  test("a status write whose echo came before its answer is not awaited", () => {
    const e = new Expectations();
    e.observeVersion("ns/r", "7");
    e.expectVersion("ns/r", "7", 0);
    expect(e.pending("ns/r", 1)).toBe(false);
  });

  test("what never shows up is given up after a minute", () => {
    const e = new Expectations();
    e.expect("ns/r", "r-a", 0);
    expect(e.pending("ns/r", 60_000)).toBe(true);
    expect(e.pending("ns/r", 60_001)).toBe(false);
  });
});
