// matchesSelector(): metav1.LabelSelector semantics.

import { expect, test } from "bun:test";
import { matchesSelector } from "./label-selector.ts";
import type { LabelSelector } from "./types.ts";

const labels = { app: "web", tier: "front" };

test.each<[string, LabelSelector, boolean]>([
  ["the empty selector", {}, true],
  ["matchLabels that hold", { matchLabels: { app: "web" } }, true],
  ["matchLabels with another value", { matchLabels: { app: "db" } }, false],
  ["matchLabels naming a missing label", { matchLabels: { zone: "a" } }, false],
  ["In with the value", { matchExpressions: [{ key: "app", operator: "In", values: ["db", "web"] }] }, true],
  ["In without the value", { matchExpressions: [{ key: "app", operator: "In", values: ["db"] }] }, false],
  ["In on a missing label", { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, false],
  ["NotIn without the value", { matchExpressions: [{ key: "app", operator: "NotIn", values: ["db"] }] }, true],
  ["NotIn with the value", { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] }, false],
  ["NotIn on a missing label", { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, true],
  ["Exists on a present label", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
  ["Exists on a missing label", { matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
  ["DoesNotExist on a missing label", { matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
  ["DoesNotExist on a present label", { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, false],
  [
    "labels and expressions that all hold",
    { matchLabels: { tier: "front" }, matchExpressions: [{ key: "app", operator: "Exists" }] },
    true,
  ],
  [
    "labels that hold and an expression that does not",
    { matchLabels: { tier: "front" }, matchExpressions: [{ key: "app", operator: "DoesNotExist" }] },
    false,
  ],
])("matchesSelector() with %s: %p", (_, selector, matches) => {
  expect(matchesSelector(selector, labels)).toBe(matches);
});
