// The flow-control manifest: the fleet controller's Lease requests get a small, bounded priority level of their own.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { renderManifests } from "./manifests.ts";

const file = new URL("../deploy/kubernetes/flowschema.yaml", import.meta.url);
const [level, schema] = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS());

test("the FlowSchema sends Lease requests to the plexd-hook-leases priority level, not Kubernetes' leader-election", () => {
  expect(level.kind).toBe("PriorityLevelConfiguration");
  expect(schema.kind).toBe("FlowSchema");
  expect(schema.spec.priorityLevelConfiguration.name).toBe(level.metadata.name);
  expect(level.metadata.name).toBe("plexd-hook-leases");
});

test("the priority level is Limited, small and bounded: a few shares, no lending or borrowing, a short queue", () => {
  const { type, limited } = level.spec;
  expect(type).toBe("Limited");
  expect(limited.nominalConcurrencyShares).toBeLessThanOrEqual(5);
  expect(limited.lendablePercent).toBe(0);
  expect(limited.borrowingLimitPercent).toBe(0);
  expect(limited.limitResponse.type).toBe("Queue");
  expect(limited.limitResponse.queuing.queueLengthLimit).toBeLessThanOrEqual(50);
});

test("only the plexd-cluster account's Lease requests match: node agents hold no Lease", () => {
  expect(schema.spec.rules).toHaveLength(1);
  const [rule] = schema.spec.rules;
  expect(rule.subjects.map((s: any) => s.serviceAccount.name)).toEqual(["plexd-cluster"]);
  expect(rule.resourceRules).toEqual([expect.objectContaining({ apiGroups: ["coordination.k8s.io"], resources: ["leases"] })]);
  expect(rule.nonResourceRules).toBeUndefined();
});

test("the binary's manifests carry the priority level before the FlowSchema that names it", () => {
  const kinds = parseAllDocuments(renderManifests()).map((d) => d.get("kind"));
  expect(kinds.indexOf("PriorityLevelConfiguration")).toBeGreaterThan(-1);
  expect(kinds.indexOf("PriorityLevelConfiguration")).toBeLessThan(kinds.indexOf("FlowSchema"));
});
