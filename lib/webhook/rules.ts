// Metacontroller's related-resource rules: how a rule selects, and which combinations it refuses.

/** metav1.LabelSelector. `{}` selects everything and still counts as a selector. */
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** One entry of a customize response's relatedResources (Metacontroller's RelatedResourceRule). */
export interface RelatedResourceRule {
  apiVersion: string;
  resource: string;
  labelSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  namespace?: string;
  names?: string[];
}

export type HookVersion = "v1" | "v2";

/** How Metacontroller finds a rule's objects; the names are Metacontroller's own. */
export type Selection = "Labels" | "NamespaceAndNames" | "NamespaceAndLabels" | "NamespaceSelector";

// A JSON null decodes to a nil pointer in Go, so only a present object counts; `{}` is present.
const present = (selector: LabelSelector | null | undefined): boolean => selector !== undefined && selector !== null;

/**
 * @internal Exported for the Metacontroller stand-in of the e2e tests (tests/support/related-rules.ts).
 * How the rule selects. Throws a RangeError for the combinations Metacontroller forbids: names with any
 * selector, and namespace with namespaceSelector.
 */
export function selectionOf(rule: RelatedResourceRule): Selection {
  const hasNames = (rule.names?.length ?? 0) > 0;
  const hasNamespace = (rule.namespace ?? "") !== "";
  const hasLabels = present(rule.labelSelector);
  const hasNamespaceSelector = present(rule.namespaceSelector);
  if (hasNames && (hasLabels || hasNamespaceSelector)) {
    throw new RangeError(
      `Rule for ${rule.resource} combines names with a selector: use names or labelSelector/namespaceSelector`,
    );
  }
  if (hasNamespace && hasNamespaceSelector) {
    throw new RangeError(`Rule for ${rule.resource} combines namespace with namespaceSelector: use one of them`);
  }
  if (hasNamespaceSelector) return "NamespaceSelector";
  if (hasLabels && hasNamespace) return "NamespaceAndLabels";
  if (hasNamespace || hasNames) return "NamespaceAndNames";
  return "Labels";
}

/** A rule naming objects: `names`, in `namespace` when the kind is namespaced. */
export function namesRule(apiVersion: string, resource: string, names: string[], namespace?: string): RelatedResourceRule {
  const rule: RelatedResourceRule = { apiVersion, resource, names: [...names] };
  if (namespace) rule.namespace = namespace;
  selectionOf(rule);
  return rule;
}

/** A rule selecting by labels within one namespace. */
export function labelsRule(apiVersion: string, resource: string, namespace: string, matchLabels: Record<string, string>) {
  const rule: RelatedResourceRule = { apiVersion, resource, namespace, labelSelector: { matchLabels: { ...matchLabels } } };
  selectionOf(rule);
  return rule;
}
