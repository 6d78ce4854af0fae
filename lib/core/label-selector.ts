// Whether labels match a metav1.LabelSelector, as the API server decides it.

import type { LabelSelector } from "./types.ts";

/** An empty selector matches everything, as in a Deployment; every term must hold. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key] as string;
    const holds =
      operator === "In"
        ? has && values.includes(value)
        : operator === "NotIn"
          ? !has || !values.includes(value)
          : operator === "Exists"
            ? has
            : !has;
    if (!holds) return false;
  }
  return true;
}
