// The PlexdHook CRD holds every fact of the seed's tables and SPEC section 3.

import { describe, expect, test } from "bun:test";
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { parse } from "yaml";
import { CRD_NAME, GROUP, KIND, PLURAL, VERSION } from "./constants.ts";

type Schema = {
  type?: string;
  format?: string;
  description?: string;
  required?: string[];
  default?: unknown;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message?: string }[];
};

const root = new URL("../", import.meta.url).pathname;
const CANONICAL = `${root}crds/plexdhook-crd.yaml`;
const SEED_PATH = `${root}deploy/kubernetes/crds/plexdhook-crd.yaml`;

const crd = parse(readFileSync(CANONICAL, "utf8"));
const version = crd.spec.versions[0];
const schema: Schema = version.schema.openAPIV3Schema;
const spec = schema.properties!.spec!;
const status = schema.properties!.status!;

/** Follows a dotted path of property names (`[]` steps into array items) from the root schema. */
const at = (path: string): Schema =>
  path.split(".").reduce<Schema>((node, step) => {
    const next = step === "[]" ? node.items : node.properties?.[step];
    if (!next) throw new Error(`No schema at: ${path}`);
    return next;
  }, schema);

describe("the CRD file", () => {
  test("the seed's path resolves to the canonical file, not a copy", () => {
    expect(realpathSync(SEED_PATH)).toBe(realpathSync(CANONICAL));
    expect(lstatSync(CANONICAL).isSymbolicLink()).toBe(false);
    expect(readFileSync(SEED_PATH, "utf8")).toBe(readFileSync(CANONICAL, "utf8"));
  });

  test.each([
    ["apiVersion", crd.apiVersion, "apiextensions.k8s.io/v1"],
    ["kind", crd.kind, "CustomResourceDefinition"],
    ["name", crd.metadata.name, CRD_NAME],
    ["group", crd.spec.group, GROUP],
    ["kind name", crd.spec.names.kind, KIND],
    ["list kind", crd.spec.names.listKind, "PlexdHookList"],
    ["plural", crd.spec.names.plural, PLURAL],
    ["singular", crd.spec.names.singular, "plexdhook"],
    ["short names", crd.spec.names.shortNames, ["ph"]],
    ["scope", crd.spec.scope, "Namespaced"],
    ["version list", crd.spec.versions.map((v: { name: string }) => v.name), [VERSION]],
    ["served", version.served, true],
    ["storage", version.storage, true],
    ["status subresource", version.subresources, { status: {} }],
    ["selectable fields", version.selectableFields, [{ jsonPath: ".spec.nodeName" }, { jsonPath: ".status.nodeName" }]],
  ])("declares the %s", (_, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe("printer columns", () => {
  type Column = { name: string; type: string; jsonPath: string; priority?: number };
  const columns: Column[] = version.additionalPrinterColumns;

  test("the default columns are exactly Hook Name, Privileged, Phase and Age, in that order", () => {
    const defaults = columns.filter((c) => (c.priority ?? 0) === 0).map(({ name, type, jsonPath }) => ({ name, type, jsonPath }));
    expect(defaults).toEqual([
      { name: "Hook Name", type: "string", jsonPath: ".spec.hookName" },
      { name: "Privileged", type: "boolean", jsonPath: ".spec.privileged" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
  });

  test("every other column appears only with -o wide (priority 1)", () => {
    const extra = columns.filter((c) => (c.priority ?? 0) !== 0);
    expect(extra.length).toBeGreaterThan(0);
    for (const column of extra) expect(column.priority).toBe(1);
  });
});

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

describe("status schema", () => {
  test.each([
    ["status.jobName", "string", undefined],
    ["status.phase", "string", undefined],
    ["status.message", "string", undefined],
    ["status.startedAt", "string", "date-time"],
    ["status.completedAt", "string", "date-time"],
    ["status.nodeName", "string", undefined],
    ["status.observedGeneration", "integer", "int64"],
    ["status.conditions", "array", undefined],
  ])("%s is a %s with format %p", (path, type, format) => {
    expect(at(path).type).toBe(type);
    expect(at(path).format).toBe(format);
  });

  test("phase is one of Pending, Running, Succeeded, Failed", () => {
    expect(at("status.phase").enum).toEqual(["Pending", "Running", "Succeeded", "Failed"]);
  });

  test("conditions have the metav1.Condition shape, one per type", () => {
    const conditions = at("status.conditions");
    expect(conditions["x-kubernetes-list-type"]).toBe("map");
    expect(conditions["x-kubernetes-list-map-keys"]).toEqual(["type"]);
    const item = at("status.conditions.[]");
    expect(item.required?.toSorted()).toEqual(["lastTransitionTime", "message", "reason", "status", "type"]);
    expect(at("status.conditions.[].status").enum).toEqual(["True", "False", "Unknown"]);
    expect(at("status.conditions.[].lastTransitionTime").format).toBe("date-time");
    expect(at("status.conditions.[].observedGeneration").format).toBe("int64");
  });

  test("status is an optional object, so a new hook needs none", () => {
    expect(schema.required).not.toContain("status");
    expect(status.type).toBe("object");
  });
});

test("every property of the schema but metadata has a description, so kubectl explain helps", () => {
  // The API server forbids a description on metadata; kubectl explain shows ObjectMeta's own.
  const missing: string[] = [];
  const walk = (node: Schema, path: string): void => {
    if (path === "plexdhook.metadata") return;
    if (!node.description?.trim()) missing.push(path);
    for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`);
    if (node.items) walk(node.items, `${path}[]`);
  };
  walk(schema, "plexdhook");
  expect(missing).toEqual([]);
});
