import { describe, expect, test } from "bun:test";
import {
  type HookVersion,
  listNamespace,
  namesRule,
  type RelatedResourceRule,
  type Selection,
  selectionOf,
  visibleAtV1,
} from "./rules.ts";

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

// [case, rule fields, version, parent namespace, related namespaced, namespace listed or the error]
const scopes: Array<[string, Partial<RelatedResourceRule>, HookVersion, string, boolean, string | RegExp]> = [
  ["v1 namespaced parent, names without namespace: the parent's", { names: ["a"] }, "v1", "p", true, "p"],
  ["v1 namespaced parent, the parent's namespace", { names: ["a"], namespace: "p" }, "v1", "p", true, "p"],
  [
    "v1 namespaced parent, another namespace",
    { names: ["a"], namespace: "q" },
    "v1",
    "p",
    true,
    /differs from the parent's namespace p/,
  ],
  ["v1 namespaced parent, labels in another namespace", { namespace: "q", labelSelector: {} }, "v1", "p", true, /v1 requires/],
  ["v1 namespaced parent, labels anywhere: the parent's", { labelSelector: sel }, "v1", "p", true, "p"],
  [
    "v1 namespaced parent, namespaceSelector",
    { namespaceSelector: {} },
    "v1",
    "p",
    true,
    /cannot be used by a namespaced parent/,
  ],
  ["v1 namespaced parent, cluster-scoped names", { names: ["node-a"] }, "v1", "p", false, ""],
  ["v1 cluster-scoped parent, any namespace", { names: ["a"], namespace: "q" }, "v1", "", true, "q"],
  ["v1 cluster-scoped parent, namespaceSelector", { namespaceSelector: {} }, "v1", "", true, ""],
  ["v2 namespaced parent, another namespace", { names: ["a"], namespace: "q" }, "v2", "p", true, "q"],
  ["v2 namespaced parent, names in every namespace", { names: ["a"] }, "v2", "p", true, ""],
  ["v2 namespaced parent, namespaceSelector", { namespaceSelector: sel }, "v2", "p", true, ""],
  ["v2 namespaced parent, cluster-scoped names", { names: ["node-a"] }, "v2", "p", false, ""],
  ["v2 namespaceSelector on a cluster-scoped kind", { namespaceSelector: {} }, "v2", "p", false, /needs a namespaced resource/],
];

describe("listNamespace()", () => {
  test.each(scopes)("%s", (_, fields, version, parentNamespace, relatedNamespaced, expected) => {
    const run = () => listNamespace({ ...base, ...fields }, { version, parentNamespace, relatedNamespaced });
    if (expected instanceof RegExp) expect(run).toThrow(expected);
    else expect(run()).toBe(expected);
  });
});

describe("visibleAtV1()", () => {
  test("a namespaced parent at v1 sees only objects of its own namespace, not cluster-scoped ones", () => {
    expect(visibleAtV1("p", "p")).toBe(true);
    expect(visibleAtV1("p", "q")).toBe(false);
    expect(visibleAtV1("p", undefined)).toBe(false);
    expect(visibleAtV1("", "q")).toBe(true);
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
