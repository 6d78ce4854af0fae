// The PlexdRollout CRD: names, scope, columns, defaults and the rules that can be read without an API server.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { GROUP, ROLLOUT_CRD_NAME, ROLLOUT_KIND, ROLLOUT_PLURAL, VERSION } from "./constants.ts";

const crd = parse(readFileSync(new URL("../crds/plexdrollout-crd.yaml", import.meta.url), "utf8"));
const version = crd.spec.versions[0];
const schema = version.schema.openAPIV3Schema;
const spec = schema.properties.spec;
const strategy = spec.properties.strategy;

describe("the PlexdRollout CRD", () => {
  test.each([
    ["name", crd.metadata.name, ROLLOUT_CRD_NAME],
    ["group", crd.spec.group, GROUP],
    ["kind", crd.spec.names.kind, ROLLOUT_KIND],
    ["plural", crd.spec.names.plural, ROLLOUT_PLURAL],
    ["short names", crd.spec.names.shortNames, ["pr"]],
    ["scope", crd.spec.scope, "Namespaced"],
    ["versions", crd.spec.versions.map((v: any) => [v.name, v.served, v.storage]), [[VERSION, true, true]]],
    ["status subresource", version.subresources, { status: {} }],
  ])("declares the %s", (_, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  test("kubectl get pr shows the phase and the progress counts; the rest with -o wide", () => {
    const columns = version.additionalPrinterColumns.filter((c: any) => !c.priority).map((c: any) => c.jsonPath);
    expect(columns).toEqual([
      ".status.phase",
      ".status.selected",
      ".status.running",
      ".status.succeeded",
      ".status.failed",
      ".metadata.creationTimestamp",
    ]);
  });

  test.each([
    ["maxParallel", 1],
    ["failureBudget", 0],
    ["settleSeconds", 0],
  ])("strategy.%s defaults to %p, and the strategy itself to {} so the defaults apply", (field, value) => {
    expect(strategy.properties[field].default).toBe(value);
    expect(strategy.default).toEqual({});
  });

  test.each(["maxParallel", "maxUnavailable", "failureBudget"])("strategy.%s is an int-or-string with a CEL rule", (field) => {
    const property = strategy.properties[field];
    expect(property["x-kubernetes-int-or-string"]).toBe(true);
    expect(property["x-kubernetes-validations"][0].rule).toContain("type(self) == int");
  });

  test("paused, abort and newNodes have defaults; newNodes is Ignore or Join", () => {
    expect(spec.properties.paused.default).toBe(false);
    expect(spec.properties.abort.default).toBe(false);
    expect(spec.properties.newNodes).toMatchObject({ default: "Ignore", enum: ["Ignore", "Join"] });
  });

  test("template and nodeSelector are immutable once status.startedAt is set", () => {
    const rule = schema["x-kubernetes-validations"].find((r: any) => r.rule.includes("oldSelf.status.startedAt"));
    expect(rule.rule).toContain("self.spec.template == oldSelf.spec.template");
    expect(rule.rule).toContain("self.spec.nodeSelector == oldSelf.spec.nodeSelector");
  });

  test("the status has every phase of the issue", () => {
    expect(schema.properties.status.properties.phase.enum).toEqual([
      "Pending",
      "Progressing",
      "Waiting",
      "Paused",
      "Succeeded",
      "Failed",
    ]);
  });
});
