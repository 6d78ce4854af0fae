// The container environment of a hook's Job: node, hook name, then parameters in spec order.

import type { V1EnvVar, V1EnvVarSource } from "@kubernetes/client-node";
import { ENV_HOOK_NAME, ENV_NODE_ID, ENV_PARAM_PREFIX } from "../constants.ts";
import type { KeyRef, ParameterSource, PlexdHookSpec } from "./types.ts";

/** @internal `disk-path` → `PLEXD_PARAM_DISK_PATH`: every character outside [A-Za-z0-9_] becomes `_`, then uppercased. */
export function paramEnvName(parameterName: string): string {
  return ENV_PARAM_PREFIX + parameterName.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
}

/** The container's valueFrom for a parameter's: the kubelet reads the key, so the operator never sees it. */
function envSource(source: ParameterSource): V1EnvVarSource {
  const [field, ref] = source.secretKeyRef
    ? (["secretKeyRef", source.secretKeyRef] as const)
    : (["configMapKeyRef", source.configMapKeyRef as KeyRef] as const);
  return { [field]: { name: ref.name, key: ref.key, ...(ref.optional !== undefined && { optional: ref.optional }) } };
}

/**
 * Builds the env list. Throws a TypeError naming both parameters when two of them map to the
 * same variable, since one would silently overwrite the other.
 */
export function buildEnv(spec: PlexdHookSpec, nodeName: string): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: ENV_NODE_ID, value: nodeName },
    { name: ENV_HOOK_NAME, value: spec.hookName },
  ];
  const seen = new Map<string, string>();
  for (const parameter of spec.parameters ?? []) {
    const name = paramEnvName(parameter.name);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new TypeError(
        `Parameters "${earlier}" and "${parameter.name}" both become the environment variable ${name}: rename one of them`,
      );
    }
    seen.set(name, parameter.name);
    env.push(parameter.valueFrom ? { name, valueFrom: envSource(parameter.valueFrom) } : { name, value: parameter.value ?? "" });
  }
  return env;
}
