import { expect, test } from "bun:test";
import { jobNameFor, MAX_JOB_NAME_LENGTH, nodeLabelValue } from "./names.ts";

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

test("jobNameFor() keeps plexdhook-{name} when it fits", () => {
  expect(jobNameFor("disk-check-node01")).toBe("plexdhook-disk-check-node01");
  const longest = "a".repeat(MAX_JOB_NAME_LENGTH - "plexdhook-".length);
  expect(jobNameFor(longest)).toBe(`plexdhook-${longest}`);
});

const long: Array<[string]> = [
  ["b".repeat(54)],
  ["c".repeat(200)],
  [`${"d".repeat(40)}-.-${"e".repeat(40)}`],
  [`x.${"y".repeat(51)}.z`],
];

test.each(long)("jobNameFor() shortens %p to a valid, deterministic label value", (name) => {
  const jobName = jobNameFor(name);
  expect(jobName.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
  expect(jobName).toMatch(LABEL_VALUE);
  expect(jobName.startsWith("plexdhook-")).toBe(true);
  expect(jobName.split(".").every((part) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(part))).toBe(true);
  expect(jobNameFor(name)).toBe(jobName);
});

test("jobNameFor() gives long names that share a prefix different Jobs", () => {
  const prefix = "p".repeat(70);
  expect(jobNameFor(`${prefix}-one`)).not.toBe(jobNameFor(`${prefix}-two`));
});

test("nodeLabelValue() keeps a node name that fits and shortens a long one to a valid label value", () => {
  expect(nodeLabelValue("node-a")).toBe("node-a");
  const long = `${"n".repeat(60)}.example.internal`;
  expect(nodeLabelValue(long).length).toBeLessThanOrEqual(63);
  expect(nodeLabelValue(long)).toMatch(LABEL_VALUE);
  expect(nodeLabelValue(long)).not.toBe(nodeLabelValue(`${"n".repeat(60)}.example.internal2`));
});
