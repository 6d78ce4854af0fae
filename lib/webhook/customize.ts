// The customize hook: which related objects the sync hook needs to see for one PlexdHook.

import { configRefs, type RefKind } from "../core/config-refs.ts";
import { jobNameFor } from "../core/names.ts";
import type { PlexdHook } from "../core/types.ts";
import { labelsRule, namesRule, type RelatedResourceRule } from "./rules.ts";
import type { CustomizeRequest, CustomizeResponse } from "./wire.ts";

/** The label the Job controller puts on its pods (Kubernetes 1.27+), as the native controller selects them. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

const RESOURCES: Record<RefKind, string> = { ConfigMap: "configmaps", Secret: "secrets" };

/**
 * The rules for one hook: its target Node (cluster-scoped, so only a v2 sync hook receives it); each
 * ConfigMap and Secret its parameters read, by name in the hook's namespace; and its Job's pods, for
 * the same diagnostics the native controller gives (exit codes, why a pod does not start). The rules
 * depend on the hook alone, as Metacontroller requires (it caches them per uid and generation).
 */
export function relatedRules(hook: PlexdHook): RelatedResourceRule[] {
  const { name, namespace } = hook.metadata;
  const rules: RelatedResourceRule[] = [];
  if (hook.spec.nodeName) rules.push(namesRule("v1", "nodes", [hook.spec.nodeName]));
  const refs = configRefs(hook);
  for (const kind of ["ConfigMap", "Secret"] as const) {
    const names = [...new Set(refs.filter((ref) => ref.kind === kind).map((ref) => ref.name))];
    if (names.length > 0) rules.push(namesRule("v1", RESOURCES[kind], names, namespace));
  }
  rules.push(labelsRule("v1", "pods", namespace, { [JOB_NAME_LABEL]: jobNameFor(name) }));
  return rules;
}

export function customize(request: CustomizeRequest): CustomizeResponse {
  return { relatedResources: relatedRules(request.parent) };
}
