// The PlexdHook CRD's spec schema: required fields, bounds, and admission rules whose messages say what to change.

import { describe, expect, test } from "bun:test";
import { at, type Schema, schema, spec } from "../tests/support/crd.ts";

describe("spec schema", () => {
  test("spec is required", () => {
    expect(schema.required).toContain("spec");
  });

  test.each([
    // path, type, required in its parent, default
    ["spec.hookName", "string", true, undefined],
    ["spec.jobTemplate", "object", false, undefined],
    ["spec.jobTemplate.image", "string", false, undefined],
    ["spec.jobTemplate.command", "array", false, undefined],
    ["spec.jobTemplate.command.[]", "string", false, undefined],
    ["spec.jobTemplate.args", "array", false, undefined],
    ["spec.jobTemplate.args.[]", "string", false, undefined],
    ["spec.parameters", "array", false, undefined],
    ["spec.parameters.[]", "object", false, undefined],
    ["spec.parameters.[].name", "string", true, undefined],
    // value or valueFrom: exactly one, by the item's CEL rule (below).
    ["spec.parameters.[].value", "string", false, undefined],
    ["spec.parameters.[].valueFrom", "object", false, undefined],
    ["spec.parameters.[].valueFrom.configMapKeyRef", "object", false, undefined],
    ["spec.parameters.[].valueFrom.configMapKeyRef.name", "string", true, undefined],
    ["spec.parameters.[].valueFrom.configMapKeyRef.key", "string", true, undefined],
    ["spec.parameters.[].valueFrom.configMapKeyRef.optional", "boolean", false, undefined],
    ["spec.parameters.[].valueFrom.secretKeyRef", "object", false, undefined],
    ["spec.parameters.[].valueFrom.secretKeyRef.name", "string", true, undefined],
    ["spec.parameters.[].valueFrom.secretKeyRef.key", "string", true, undefined],
    ["spec.parameters.[].valueFrom.secretKeyRef.optional", "boolean", false, undefined],
    ["spec.privileged", "boolean", false, false],
    ["spec.nodeName", "string", false, undefined],
    ["spec.activeDeadlineSeconds", "integer", false, undefined],
    ["spec.backoffLimit", "integer", false, 0],
    ["spec.ttlSecondsAfterFinished", "integer", false, undefined],
    ["spec.drain", "object", false, undefined],
    ["spec.drain.enabled", "boolean", true, undefined],
    ["spec.drain.timeoutSeconds", "integer", false, 600],
    ["spec.drain.gracePeriodSeconds", "integer", false, undefined],
    ["spec.drain.deleteEmptyDirData", "boolean", false, false],
    ["spec.drain.podSelector", "object", false, undefined],
    ["spec.drain.podSelector.matchLabels", "object", false, undefined],
    ["spec.drain.podSelector.matchExpressions", "array", false, undefined],
    ["spec.drain.podSelector.matchExpressions.[].key", "string", true, undefined],
    ["spec.drain.podSelector.matchExpressions.[].operator", "string", true, undefined],
    ["spec.drain.podSelector.matchExpressions.[].values", "array", false, undefined],
    ["spec.drain.uncordon", "string", false, "IfCordonedByUs"],
  ])("%s is a %s, required: %p, default: %p", (path, type, required, defaultValue) => {
    expect(at(path).type).toBe(type);
    expect(at(path).default).toEqual(defaultValue);
    const steps = path.split(".");
    const name = steps.pop()!;
    if (name !== "[]") expect(at(steps.join(".")).required?.includes(name) ?? false).toBe(required);
  });

  test("a parameter sets exactly one of value and valueFrom, and valueFrom exactly one source, with messages that say so", () => {
    const item = at("spec.parameters.[]")["x-kubernetes-validations"];
    expect(item).toEqual([
      { rule: "has(self.value) != has(self.valueFrom)", message: expect.stringContaining("exactly one of value and valueFrom") },
    ]);
    const from = at("spec.parameters.[].valueFrom")["x-kubernetes-validations"];
    expect(from).toEqual([
      {
        rule: "has(self.configMapKeyRef) != has(self.secretKeyRef)",
        message: expect.stringContaining("exactly one of configMapKeyRef and secretKeyRef"),
      },
    ]);
  });

  test("hookName must be non-empty and at most 63 characters", () => {
    expect(at("spec.hookName").minLength).toBe(1);
    expect(at("spec.hookName").maxLength).toBe(63);
  });

  const hookNameRule = at("spec.hookName")["x-kubernetes-validations"]?.[0];
  const labelValue = new RegExp(hookNameRule?.rule.match(/matches\('(.*)'\)/)?.[1] ?? "^$");
  test.each([
    ["disk-check", true],
    ["Disk_check.v2", true],
    ["a", true],
    ["-disk", false],
    ["disk-", false],
    ["disk check", false],
    ["disk/check", false],
  ])("hookName's CEL rule judges %p a valid label value: %p", (value, valid) => {
    expect(labelValue.test(value)).toBe(valid);
  });

  test("hookName's rule explains what a valid label value is", () => {
    expect(hookNameRule?.message).toContain("hookName must be a valid label value");
  });

  const nodeNameRules = at("spec.nodeName")["x-kubernetes-validations"] ?? [];
  const nodeNamePattern = new RegExp(nodeNameRules[0]?.rule.match(/matches\('(.*)'\)/)?.[1] ?? "^$");
  test.each([
    ["node-a", true],
    ["ip-10-0-0-1.eu-west-1.compute.internal", true],
    ["n".repeat(63), true],
    ["n".repeat(64), false],
    [`${"a".repeat(60)}.example.com`, false],
    ["Node_A", false],
    ["node..a", false],
  ])("nodeName's rules accept %p: %p (a DNS subdomain that fits a label value)", (value, valid) => {
    expect(nodeNameRules.map((r) => r.rule)).toEqual([expect.stringContaining("self.matches("), "self.size() <= 63"]);
    expect(nodeNamePattern.test(value) && value.length <= 63).toBe(valid);
  });

  test("nodeName's length rule says why: the Job is pinned by the kubernetes.io/hostname label, which holds 63 characters", () => {
    const message = nodeNameRules[1]?.message ?? "";
    expect(message).toStartWith("nodeName must be at most 63 characters");
    expect(message).toContain("label kubernetes.io/hostname");
    expect(at("spec.nodeName").description).toContain("at most 63 characters");
  });

  test("a set jobTemplate.image must be non-empty, with a message saying so", () => {
    const rules = at("spec.jobTemplate.image")["x-kubernetes-validations"] ?? [];
    expect(rules.map((r) => r.rule)).toContain("self.size() > 0");
    expect(rules[0]?.message).toContain("must be non-empty if set");
  });

  test("parameter names are non-empty and duplicates are rejected at admission", () => {
    const parameters = at("spec.parameters");
    expect(at("spec.parameters.[].name").minLength).toBe(1);
    expect(parameters["x-kubernetes-list-type"]).toBe("map");
    expect(parameters["x-kubernetes-list-map-keys"]).toEqual(["name"]);
  });

  test.each([
    ["spec.activeDeadlineSeconds", "int64", 1],
    ["spec.backoffLimit", "int32", 0],
    ["spec.ttlSecondsAfterFinished", "int32", 0],
  ])("%s is an %s of at least %d", (path, format, minimum) => {
    expect(at(path).format).toBe(format);
    expect(at(path).minimum).toBe(minimum);
  });

  test("drain.uncordon is IfCordonedByUs or Never, and a selector's operator one of the label selector's four", () => {
    expect(at("spec.drain.uncordon").enum).toEqual(["IfCordonedByUs", "Never"]);
    expect(at("spec.drain.podSelector.matchExpressions.[].operator").enum).toEqual(["In", "NotIn", "Exists", "DoesNotExist"]);
  });

  test("drain's timeoutSeconds is at least 1 and gracePeriodSeconds at least 0", () => {
    expect(at("spec.drain.timeoutSeconds").minimum).toBe(1);
    expect(at("spec.drain.gracePeriodSeconds").minimum).toBe(0);
  });

  test("the spec is immutable once created, and the message says to create a new hook", () => {
    const rule = spec["x-kubernetes-validations"]?.find((r) => r.rule === "self == oldSelf");
    expect(rule?.message).toContain("immutable");
    expect(rule?.message).toContain("create a new one");
  });

  test("every string and array under spec is bounded, so CEL rules stay within their cost budget", () => {
    const unbounded: string[] = [];
    const walk = (node: Schema, path: string): void => {
      if (node.type === "string" && node.maxLength === undefined) unbounded.push(path);
      if (node.type === "array" && node.maxItems === undefined) unbounded.push(path);
      for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`);
      if (node.items) walk(node.items, `${path}[]`);
    };
    walk(spec, "spec");
    expect(unbounded).toEqual([]);
  });
});
