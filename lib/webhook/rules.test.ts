import { describe, expect, test } from "bun:test";
import { namesRule, type RelatedResourceRule, type Selection, selectionOf } from "./rules.ts";

const base = { apiVersion: "v1", resource: "configmaps" };
const sel = { matchLabels: { app: "x" } };

// Every combination of the four fields; `{}` is a present selector, null an absent one.
const combinations: Array<[string, Partial<RelatedResourceRule>, Selection | "names+selector" | "namespace+namespaceSelector"]> =
  [
    ["nothing (all objects, all namespaces)", {}, "Labels"],
    ["labelSelector", { labelSelector: sel }, "Labels"],
    ["labelSelector {} (select all)", { labelSelector: {} }, "Labels"],
    ["labelSelector null (absent)", { labelSelector: null }, "Labels"],
    ["names", { names: ["a"] }, "NamespaceAndNames"],
    ["empty names (absent)", { names: [] }, "Labels"],
    ["namespace", { namespace: "ns" }, "NamespaceAndNames"],
    ["namespace + names", { namespace: "ns", names: ["a"] }, "NamespaceAndNames"],
    ["namespace + labelSelector", { namespace: "ns", labelSelector: sel }, "NamespaceAndLabels"],
    ["namespace + labelSelector {}", { namespace: "ns", labelSelector: {} }, "NamespaceAndLabels"],
    ["namespaceSelector", { namespaceSelector: sel }, "NamespaceSelector"],
    ["namespaceSelector {}", { namespaceSelector: {} }, "NamespaceSelector"],
    ["namespaceSelector + labelSelector", { namespaceSelector: sel, labelSelector: sel }, "NamespaceSelector"],
    ["names + labelSelector", { names: ["a"], labelSelector: sel }, "names+selector"],
    ["names + labelSelector {}", { names: ["a"], labelSelector: {} }, "names+selector"],
    ["names + namespaceSelector", { names: ["a"], namespaceSelector: sel }, "names+selector"],
    ["names + both selectors", { names: ["a"], labelSelector: sel, namespaceSelector: sel }, "names+selector"],
    ["names + namespace + labelSelector", { names: ["a"], namespace: "ns", labelSelector: sel }, "names+selector"],
    ["namespace + namespaceSelector", { namespace: "ns", namespaceSelector: sel }, "namespace+namespaceSelector"],
    ["namespace + namespaceSelector {}", { namespace: "ns", namespaceSelector: {} }, "namespace+namespaceSelector"],
    [
      "namespace + namespaceSelector + labelSelector",
      { namespace: "ns", namespaceSelector: sel, labelSelector: sel },
      "namespace+namespaceSelector",
    ],
  ];

describe("selectionOf()", () => {
  test.each(combinations)("%s → %s", (_, fields, expected) => {
    const rule = { ...base, ...fields };
    if (expected === "names+selector") expect(() => selectionOf(rule)).toThrow(/combines names with a selector/);
    else if (expected === "namespace+namespaceSelector")
      expect(() => selectionOf(rule)).toThrow(/combines namespace with namespaceSelector/);
    else expect(selectionOf(rule)).toBe(expected);
  });
});

describe("namesRule()", () => {
  test("names objects in a namespace, or cluster-wide without one", () => {
    expect(namesRule("v1", "secrets", ["s"], "ns")).toEqual({
      apiVersion: "v1",
      resource: "secrets",
      names: ["s"],
      namespace: "ns",
    });
    expect(namesRule("v1", "nodes", ["node-a"])).toEqual({ apiVersion: "v1", resource: "nodes", names: ["node-a"] });
  });
});
