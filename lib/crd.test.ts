// The PlexdHook CRD holds every fact of SPEC section 3: the file, its names, columns and status schema.

import { describe, expect, test } from "bun:test";
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { at, CANONICAL, crd, type Schema, SEED_PATH, schema, status, version } from "../tests/support/crd.ts";
import { CRD_NAME, GROUP, KIND, PLURAL, VERSION } from "./constants.ts";
import { DRAIN_STAGES } from "./core/types.ts";

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
    ["status.drain", "object", undefined],
    ["status.drain.stage", "string", undefined],
    ["status.drain.nodeName", "string", undefined],
    ["status.drain.message", "string", undefined],
    ["status.drain.startedAt", "string", "date-time"],
    ["status.drain.drainedAt", "string", "date-time"],
    ["status.drain.podsLeft", "integer", "int32"],
    ["status.drain.blockingPod", "string", undefined],
    ["status.drain.blockingReason", "string", undefined],
  ])("%s is a %s with format %p", (path, type, format) => {
    expect(at(path).type).toBe(type);
    expect(at(path).format).toBe(format);
  });

  test("phase is one of Pending, Running, Succeeded, Failed", () => {
    expect(at("status.phase").enum).toEqual(["Pending", "Running", "Succeeded", "Failed"]);
  });

  test("drain.stage is one of the stages DRAIN_STAGES lists, in order", () => {
    expect(at("status.drain.stage").enum).toEqual([...DRAIN_STAGES]);
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
