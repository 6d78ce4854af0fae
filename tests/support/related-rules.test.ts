import { describe, expect, test } from "bun:test";
import type { HookVersion, RelatedResourceRule } from "../../lib/webhook/rules.ts";
import { listNamespace } from "./related-rules.ts";

const base = { apiVersion: "v1", resource: "configmaps" };
const sel = { matchLabels: { app: "x" } };

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
