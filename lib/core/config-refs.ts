// The ConfigMap and Secret keys a hook's parameters read (valueFrom), and how to say that one is missing.

import type { KeyRef, PlexdHook, Pod } from "./types.ts";

type RefKind = "ConfigMap" | "Secret";

/** One key a parameter reads, with the object it lives in. */
interface ConfigRef {
  kind: RefKind;
  namespace: string;
  name: string;
  key: string;
  optional: boolean;
  parameter: string;
}

/** @internal Every key the hook's parameters read, in spec order. Objects live in the hook's namespace, like the pod's. */
export function configRefs(hook: PlexdHook): ConfigRef[] {
  const refs: ConfigRef[] = [];
  for (const parameter of hook.spec.parameters ?? []) {
    const from = parameter.valueFrom;
    const [kind, ref]: [RefKind, KeyRef | undefined] = from?.secretKeyRef
      ? ["Secret", from.secretKeyRef]
      : ["ConfigMap", from?.configMapKeyRef];
    if (!ref) continue;
    const { namespace } = hook.metadata;
    refs.push({ kind, namespace, name: ref.name, key: ref.key, optional: ref.optional === true, parameter: parameter.name });
  }
  return refs;
}

/** @internal Why the hook cannot start: the object, or only the key, is missing. Both modes say it in these words. */
export function missingRefMessage(ref: ConfigRef, what: "object" | "key"): string {
  const object = `${ref.kind} ${ref.namespace}/${ref.name}`;
  return what === "object"
    ? `${object} does not exist (parameter ${ref.parameter} reads its key ${ref.key})`
    : `${object} has no key ${ref.key} (read by parameter ${ref.parameter})`;
}

// The kubelet's words for CreateContainerConfigError (pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables).
const OBJECT_NOT_FOUND = /^(configmap|secret) "([^"]+)" not found/i;
const KEY_NOT_FOUND = /couldn't find key (\S+) in (ConfigMap|Secret) ([^/\s]+)\/(\S+)/i;

/**
 * @internal
 * Maps the kubelet's CreateContainerConfigError message to the hook's parameter it concerns, in the
 * words of missingRefMessage; undefined when the message is about something else.
 */
export function refFromKubeletMessage(hook: PlexdHook, message: string): string | undefined {
  const refs = configRefs(hook).filter((ref) => !ref.optional);
  const object = OBJECT_NOT_FOUND.exec(message);
  if (object) {
    const kind = object[1]?.toLowerCase() === "secret" ? "Secret" : "ConfigMap";
    const ref = refs.find((r) => r.kind === kind && r.name === object[2]);
    return ref && missingRefMessage(ref, "object");
  }
  const key = KEY_NOT_FOUND.exec(message);
  if (key) {
    const kind = key[2]?.toLowerCase() === "secret" ? "Secret" : "ConfigMap";
    const ref = refs.find((r) => r.kind === kind && r.name === key[4] && r.key === key[1]);
    return ref && missingRefMessage(ref, "key");
  }
  return undefined;
}

/**
 * Why the hook's pod cannot start because of a parameter's ConfigMap or Secret: the kubelet's
 * CreateContainerConfigError mapped to the parameter; undefined for any other reason.
 */
export function configErrorSummary(hook: PlexdHook, pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const waiting = status.state?.waiting;
      if (waiting?.reason !== "CreateContainerConfigError" || !waiting.message) continue;
      const mapped = refFromKubeletMessage(hook, waiting.message);
      if (mapped) return mapped;
    }
  }
  return undefined;
}
