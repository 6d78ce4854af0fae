// Builders of rollouts, nodes and hooks for the rollout core's table-driven tests.

import type { Phase, PlexdHook } from "../../lib/core/types.ts";
import { rolloutHookName } from "../../lib/fleet/rollout/hook.ts";
import type { PlexdRollout, PlexdRolloutSpec, PlexdRolloutStatus, RolloutNode } from "../../lib/fleet/rollout/types.ts";

export const NOW = new Date("2026-03-10T12:00:00.000Z");
export const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

export function rollout(spec: Partial<PlexdRolloutSpec> = {}, status?: PlexdRolloutStatus): PlexdRollout {
  return {
    metadata: { name: "r", namespace: "ns", uid: "uid-r", generation: 1 },
    spec: { nodeSelector: { matchLabels: { pool: "a" } }, template: { hookName: "t" }, ...spec },
    ...(status && { status }),
  };
}

/** A node in pool a, Ready for an hour; `extra` overrides. */
export function node(name: string, extra: Partial<RolloutNode> = {}, labels: Record<string, string> = {}): RolloutNode {
  return { name, labels: { pool: "a", ...labels }, ready: true, readySince: ago(3600), unschedulable: false, ...extra };
}

export const nodes = (...names: string[]): RolloutNode[] => names.map((n) => node(n));

/** The rollout's hook on `nodeName`; a terminal one ended `endedSecondsAgo` ago. */
export function hook(nodeName: string, phase?: Phase, endedSecondsAgo = 600, exitCode?: number): PlexdHook {
  const terminal = phase === "Succeeded" || phase === "Failed";
  return {
    metadata: {
      name: rolloutHookName("r", nodeName),
      namespace: "ns",
      uid: `uid-${nodeName}`,
      ownerReferences: [
        { apiVersion: "plexd.plexsphere.com/v1alpha1", kind: "PlexdRollout", name: "r", uid: "uid-r", controller: true },
      ],
    },
    spec: { hookName: "t", nodeName },
    ...(phase && {
      status: {
        phase,
        ...(terminal && { completedAt: ago(endedSecondsAgo) }),
        ...(exitCode !== undefined && { exitCode, message: `exit ${exitCode}` }),
      },
    }),
  };
}

/** A status as written at the start, recording `recorded`. */
export const started = (...recorded: string[]): PlexdRolloutStatus => ({
  phase: "Progressing",
  startedAt: ago(3600),
  nodes: recorded,
});
