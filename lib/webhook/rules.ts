// Metacontroller's related-resource rules: how a rule selects, which combinations it refuses, v1 and v2 scope.

/** metav1.LabelSelector. `{}` selects everything and still counts as a selector. */
export interface LabelSelector {
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

/** Where the rule is used: the hook version, the parent's namespace ("" if cluster-scoped), the related kind's scope. */
export interface RuleScope {
  version: HookVersion;
  parentNamespace: string;
  relatedNamespaced: boolean;
}

// A JSON null decodes to a nil pointer in Go, so only a present object counts; `{}` is present.
const present = (selector: LabelSelector | null | undefined): boolean => selector !== undefined && selector !== null;

/**
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

/**
 * The namespace to list the rule's objects in, "" for all namespaces (or a cluster-scoped kind).
 * Throws a RangeError for what Metacontroller refuses in this scope: at v1 a namespaced parent sees
 * only its own namespace and cannot use namespaceSelector; namespaceSelector needs a namespaced kind.
 */
export function listNamespace(rule: RelatedResourceRule, scope: RuleScope): string {
  const selection = selectionOf(rule);
  const v1Namespaced = scope.version === "v1" && scope.parentNamespace !== "";
  if (selection === "NamespaceSelector") {
    if (!scope.relatedNamespaced) throw new RangeError(`namespaceSelector needs a namespaced resource, not ${rule.resource}`);
    if (v1Namespaced) throw new RangeError("namespaceSelector cannot be used by a namespaced parent at hook version v1");
    return "";
  }
  if (!scope.relatedNamespaced) return "";
  const namespace = rule.namespace ?? "";
  if (v1Namespaced) {
    if (namespace !== "" && namespace !== scope.parentNamespace) {
      throw new RangeError(
        `Related namespace ${namespace} differs from the parent's namespace ${scope.parentNamespace}, which hook version v1 requires`,
      );
    }
    return scope.parentNamespace;
  }
  return namespace;
}

/** Whether a related object reaches a v1 hook: for a namespaced parent only objects of its own namespace do. */
export function visibleAtV1(parentNamespace: string, objectNamespace: string | undefined): boolean {
  return parentNamespace === "" || parentNamespace === (objectNamespace ?? "");
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
