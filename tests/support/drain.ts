// Hooks and Node views for the drain's table-driven tests.

import type { DrainSpec, DrainStatus, Phase, PlexdHook } from "../../lib/core/types.ts";
import type { DrainNodeView } from "../../lib/fleet/drain/holder.ts";

export const NS = "plexd-system";
export const NODE = "node-a";
export const NOW = new Date("2026-03-01T12:00:00Z");

export interface HookShape {
  drain?: Partial<DrainSpec>;
  stage?: DrainStatus["stage"];
  /** status.drain.nodeName; defaults to NODE when a stage is given. */
  drainNode?: string;
  startedAt?: string;
  phase?: Phase;
  finalizer?: boolean;
  deleting?: boolean;
  jobName?: string;
  /** Seconds after the epoch of the tests' hooks: the order of creation. */
  created?: number;
  nodeName?: string;
}

export function hook(name: string, shape: HookShape = {}): PlexdHook {
  const drain: DrainStatus | undefined = shape.stage && {
    stage: shape.stage,
    nodeName: shape.drainNode ?? NODE,
    ...(shape.startedAt && { startedAt: shape.startedAt }),
  };
  return {
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      generation: 1,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, shape.created ?? 0)),
      ...(shape.finalizer && { finalizers: ["plexd.plexsphere.com/drain"] }),
      ...(shape.deleting && { deletionTimestamp: NOW }),
    },
    spec: { hookName: name, nodeName: shape.nodeName ?? NODE, drain: { enabled: true, timeoutSeconds: 600, ...shape.drain } },
    ...((drain || shape.phase || shape.jobName) && {
      status: {
        ...(shape.phase && { phase: shape.phase }),
        ...(shape.jobName && { jobName: shape.jobName }),
        ...(drain && { drain }),
      },
    }),
  };
}

export function node(shape: Partial<DrainNodeView> = {}): DrainNodeView {
  return { name: NODE, unschedulable: false, resourceVersion: "1", ...shape };
}

export const key = (name: string): string => `${NS}/${name}`;
