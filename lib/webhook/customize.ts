// The customize hook: which related objects the sync hook needs to see for one PlexdHook.

import { jobNameFor } from "../core/names.ts";
import type { PlexdHook } from "../core/types.ts";
import { labelsRule, namesRule, type RelatedResourceRule } from "./rules.ts";
import type { CustomizeRequest, CustomizeResponse } from "./wire.ts";

/** The label the Job controller puts on its pods (Kubernetes 1.27+), as the native controller selects them. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/**
 * The rules for one hook: its target Node (cluster-scoped, so only a v2 sync hook receives it) and its
 * Job's pods, for the same diagnostics the native controller gives (exit codes, why a pod does not
 * start). Not the ConfigMaps and Secrets its parameters read: Metacontroller would send their data
 * with every sync, and a missing one is told by the pod (CreateContainerConfigError), as in the native
 * mode. The rules depend on the hook alone, as Metacontroller requires (it caches them per uid and
 * generation).
 */
function relatedRules(hook: PlexdHook): RelatedResourceRule[] {
  const { name, namespace } = hook.metadata;
  const rules: RelatedResourceRule[] = [];
  if (hook.spec.nodeName) rules.push(namesRule("v1", "nodes", [hook.spec.nodeName]));
  rules.push(labelsRule("v1", "pods", namespace, { [JOB_NAME_LABEL]: jobNameFor(name) }));
  return rules;
}

export function customize(request: CustomizeRequest): CustomizeResponse {
  return { relatedResources: relatedRules(request.parent) };
}
