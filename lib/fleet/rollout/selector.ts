// A metav1.LabelSelector in kubectl's -l syntax, both ways (matching is lib/core/label-selector.ts).

import type { LabelSelector, LabelSelectorRequirement } from "./types.ts";

/** @internal The selector in kubectl's -l syntax, for messages and for the CLI (`a=b,c in (d,e),!f`). */
export function selectorText(selector: LabelSelector): string {
  const terms = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === "Exists") terms.push(key);
    else if (operator === "DoesNotExist") terms.push(`!${key}`);
    else terms.push(`${key} ${operator === "In" ? "in" : "notin"} (${values.join(",")})`);
  }
  return terms.join(",");
}

const TERM = /^\s*(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)\s*(?:(==|=|!=)\s*([-A-Za-z0-9_.]*)|\s(in|notin)\s*\(([^)]*)\))?\s*$/;

/**
 * Reads kubectl's -l syntax (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by
 * commas) into a LabelSelector. Throws RangeError quoting a term it cannot read.
 */
export function parseSelector(text: string): LabelSelector {
  const terms = text.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  if (text.trim() === "" || terms.length === 0)
    throw new RangeError(`A label selector needs at least one term: ${JSON.stringify(text)}`);
  const selector: LabelSelector = {};
  const expressions: LabelSelectorRequirement[] = [];
  for (const term of terms) {
    const match = TERM.exec(term);
    if (!match) throw new RangeError(`Not a label selector term: ${JSON.stringify(term.trim())}`);
    const [, not, key, equality, value = "", set, list = ""] = match as unknown as [
      string,
      string,
      string,
      string?,
      string?,
      string?,
      string?,
    ];
    const values = list
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
    if (not && (equality || set)) throw new RangeError(`Not a label selector term: ${JSON.stringify(term.trim())}`);
    if (equality === "=" || equality === "==") selector.matchLabels = { ...selector.matchLabels, [key]: value };
    else if (equality === "!=") expressions.push({ key, operator: "NotIn", values: [value] });
    else if (set) expressions.push({ key, operator: set === "in" ? "In" : "NotIn", values });
    else expressions.push({ key, operator: not ? "DoesNotExist" : "Exists" });
  }
  if (expressions.length > 0) selector.matchExpressions = expressions;
  return selector;
}
