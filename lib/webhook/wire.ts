// Metacontroller's hook messages as they travel (CompositeController, hook versions v1 and v2).

import type { KubernetesObject } from "@kubernetes/client-node";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import type { HookVersion, RelatedResourceRule } from "./rules.ts";

/** Objects by type key (`Kind.version` or `Kind.group/version`), then by name: `ns/name` at v2, `name` for cluster-scoped. */
export type ObjectMap = Record<string, Record<string, KubernetesObject>>;

export type HookKind = "customize" | "sync" | "finalize";

/** The part of the CompositeController the webhook reads: the version each hook is called at. */
export interface Controller {
  spec?: { hooks?: Partial<Record<HookKind, { version?: string } | null>> };
}

export interface CustomizeRequest {
  controller?: Controller;
  parent: PlexdHook;
}

/** An object, never a bare array: Metacontroller decodes the response into a struct. */
export interface CustomizeResponse {
  relatedResources: RelatedResourceRule[];
}

export interface SyncRequest {
  controller?: Controller;
  parent: PlexdHook;
  children: ObjectMap;
  related: ObjectMap;
  finalizing: boolean;
}

/** Every field is one Metacontroller's strict v2 decoding knows; status replaces .status whole. */
export interface SyncResponse {
  status: PlexdHookStatus;
  children: Job[];
  resyncAfterSeconds: number;
}

export interface FinalizeResponse extends SyncResponse {
  finalized: boolean;
}

/** Metacontroller's map key for a type: `Node.v1`, `Job.batch/v1`. */
function typeKey(apiVersion: string, kind: string): string {
  return `${kind}.${apiVersion}`;
}

/** The objects of one type in a children or related map; the inner keys differ by version, the objects do not. */
export function objectsOf<T extends KubernetesObject>(map: ObjectMap, apiVersion: string, kind: string): T[] {
  return Object.values(map[typeKey(apiVersion, kind)] ?? {}) as T[];
}

/** The version Metacontroller calls `hook` at: its `version`, v1 when unset (Metacontroller's default). */
export function hookVersion(controller: Controller | undefined, hook: HookKind): HookVersion {
  // A request without the controller (a hand-written one) is taken as the shipped manifests' v2.
  if (!controller?.spec?.hooks) return "v2";
  return controller.spec.hooks[hook]?.version === "v2" ? "v2" : "v1";
}
