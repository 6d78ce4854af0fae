import { describe, expect, test } from "bun:test";
import { type AuditEntry, auditCounts, isPlexd, leaseCounts } from "./audit.ts";

const entry = (username: string, verb = "get", resource = "leases", at = "2026-11-23T20:00:00.500000Z"): AuditEntry => ({
  stage: "ResponseComplete",
  verb,
  user: { username },
  objectRef: { resource },
  requestReceivedTimestamp: at,
});

describe("isPlexd", () => {
  test.each([
    ["system:serviceaccount:plexd-system:plexd", true],
    ["system:serviceaccount:plexd-system:plexd-cluster", true],
    ["system:serviceaccount:plexd-system:plexd-other", false],
    ["system:serviceaccount:plexd-system:default", false],
    ["system:kube-controller-manager", false],
  ])("%s → %p", (username, expected) => {
    expect(isPlexd(entry(username))).toBe(expected);
  });
});

test("auditCounts counts the plexd requests inside the window, by verb and resource", () => {
  const from = Date.parse("2026-11-23T20:00:00Z");
  const entries = [
    entry("system:serviceaccount:plexd-system:plexd-cluster", "update"),
    entry("system:serviceaccount:plexd-system:plexd", "update"),
    entry("system:serviceaccount:plexd-system:plexd", "list", "nodes"),
    entry("system:kube-scheduler", "update"),
    entry("system:serviceaccount:plexd-system:plexd", "update", "leases", "2026-11-23T20:00:05.000000Z"),
  ];
  expect(auditCounts(entries, from, from + 1_000)).toEqual([
    ["update leases", 2],
    ["list nodes", 1],
  ]);
});

test("leaseCounts counts the plexd Lease writes and reads in the window by verb and status code, watches aside", () => {
  const from = Date.parse("2026-11-23T20:00:00Z");
  const plexd = "system:serviceaccount:plexd-system:plexd";
  const withCode = (e: AuditEntry, code: number): AuditEntry => ({ ...e, responseStatus: { code } });
  const entries = [
    withCode(entry(plexd, "update"), 200),
    withCode(entry(plexd, "update"), 429),
    withCode(entry(plexd, "update"), 429),
    withCode(entry(plexd, "watch"), 200),
    withCode(entry(plexd, "list", "plexdhooks"), 200),
    withCode(entry("system:kube-scheduler", "update"), 200),
  ];
  expect(leaseCounts(entries, from, from + 1_000)).toEqual([
    ["update 429", 2],
    ["update 200", 1],
  ]);
});
