import { expect, test } from "bun:test";
import { Lru } from "./lru.ts";

test("Lru keeps the most recently used entries and drops the least recently used one when full", () => {
  const lru = new Lru<string, number>(2);
  lru.set("a", 1);
  lru.set("b", 2);
  expect(lru.get("a")).toBe(1);
  lru.set("c", 3);
  expect([lru.get("a"), lru.get("b"), lru.get("c"), lru.size]).toEqual([1, undefined, 3, 2]);
  lru.set("a", 10);
  expect([lru.get("a"), lru.size]).toEqual([10, 2]);
});

test("Lru refuses a capacity below one", () => {
  expect(() => new Lru(0)).toThrow(new RangeError("Lru capacity must be at least 1: 0"));
});
