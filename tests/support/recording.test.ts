// repeatSpan() and seriesLabels(): the recorded counters replayed as a fault that keeps coming back.

import { expect, test } from "bun:test";
import { repeatSpan, type Scrape, seriesLabels } from "./recording.ts";

const A = 'restarts{pod="a"}';
const B = 'restarts{pod="b"}';
const scrape = (values: Record<string, number>): Scrape => new Map(Object.entries(values));
const column = (scrapes: Scrape[], series: string) => scrapes.map((s) => s.get(series));

test("repeatSpan() replays the span every `every` scrapes, raising each counter by its rise, holding it in between", () => {
  // a counts 2 before the span and rises by 3 in it; b appears within the span and its pod is gone in the last scrape.
  const recorded = [scrape({ [A]: 2 }), scrape({ [A]: 4 }), scrape({ [A]: 5, [B]: 1 }), scrape({ [A]: 5 })];
  const replayed = repeatSpan(recorded, 1, 4, 4, 3);
  expect(replayed).toHaveLength(1 + 4 * 3);
  expect(column(replayed, A)).toEqual([2, 4, 5, 5, 5, 7, 8, 8, 8, 10, 11, 11, 11]);
  expect(column(replayed, B)).toEqual([undefined, undefined, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
});

test("repeatSpan() refuses a span longer than the period", () => {
  expect(() => repeatSpan([scrape({}), scrape({}), scrape({})], 0, 3, 2, 2)).toThrow(RangeError);
});

test("seriesLabels() reads the labels of a series as a Scrape names it", () => {
  expect(seriesLabels('restarts{resource="jobs",namespace="ns",pod="p-1"}')).toEqual({
    resource: "jobs",
    namespace: "ns",
    pod: "p-1",
  });
});
