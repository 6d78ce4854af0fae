// Where Metacontroller lists a related-resource rule's objects, for the e2e tests' Metacontroller stand-in.

import { type HookVersion, type RelatedResourceRule, selectionOf } from "../../lib/webhook/rules.ts";

/** Where the rule is used: the hook version, the parent's namespace ("" if cluster-scoped), the related kind's scope. */
export interface RuleScope {
  version: HookVersion;
  parentNamespace: string;
  relatedNamespaced: boolean;
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
