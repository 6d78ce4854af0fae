// Checks a hook request's shape before anything reads it; a ShapeError names the first wrong field.

import { API_VERSION, KIND } from "../constants.ts";
import type { PlexdHook } from "../core/types.ts";
import type { CustomizeRequest, ObjectMap, SyncRequest } from "./wire.ts";

/** A request that is JSON but not a hook request: answered 422 with the field's path. */
export class ShapeError extends TypeError {
  override name = "ShapeError";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function object(value: unknown, field: string): Json {
  if (!isObject(value)) throw new ShapeError(field, "must be an object");
  return value;
}

function optional<T>(value: unknown, field: string, check: (v: unknown, f: string) => T): T | undefined {
  return value === undefined || value === null ? undefined : check(value, field);
}

function text(value: unknown, field: string, nonEmpty = true): string {
  if (typeof value !== "string") throw new ShapeError(field, "must be a string");
  if (nonEmpty && value === "") throw new ShapeError(field, "must not be empty");
  return value;
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ShapeError(field, "must be an array of strings");
  for (const [i, item] of value.entries()) text(item, `${field}[${i}]`, false);
  return value;
}

function keyRef(value: unknown, field: string): void {
  const ref = object(value, field);
  text(ref.name, `${field}.name`);
  text(ref.key, `${field}.key`);
  if (ref.optional !== undefined && typeof ref.optional !== "boolean")
    throw new ShapeError(`${field}.optional`, "must be a boolean");
}

function parameters(value: unknown, field: string): void {
  if (!Array.isArray(value)) throw new ShapeError(field, "must be an array");
  value.forEach((item, i) => {
    const at = `${field}[${i}]`;
    const parameter = object(item, at);
    text(parameter.name, `${at}.name`);
    optional(parameter.value, `${at}.value`, (v, f) => text(v, f, false));
    const from = optional(parameter.valueFrom, `${at}.valueFrom`, object);
    if (from) {
      // The CRD admits exactly one source; a request saying otherwise did not come from the API server.
      if ((from.configMapKeyRef == null) === (from.secretKeyRef == null)) {
        throw new ShapeError(`${at}.valueFrom`, "must set exactly one of configMapKeyRef and secretKeyRef");
      }
      optional(from.configMapKeyRef, `${at}.valueFrom.configMapKeyRef`, keyRef);
      optional(from.secretKeyRef, `${at}.valueFrom.secretKeyRef`, keyRef);
    }
  });
}

/** The parent must be a PlexdHook as the API server stores it: namespaced, with a uid and a spec. */
function parent(value: unknown): PlexdHook {
  const hook = object(value, "parent");
  if (hook.kind !== undefined && hook.kind !== KIND) throw new ShapeError("parent.kind", `must be ${KIND}`);
  if (hook.apiVersion !== undefined && hook.apiVersion !== API_VERSION)
    throw new ShapeError("parent.apiVersion", `must be ${API_VERSION}`);
  const metadata = object(hook.metadata, "parent.metadata");
  text(metadata.name, "parent.metadata.name");
  text(metadata.namespace, "parent.metadata.namespace");
  text(metadata.uid, "parent.metadata.uid");
  const spec = object(hook.spec, "parent.spec");
  text(spec.hookName, "parent.spec.hookName");
  optional(spec.nodeName, "parent.spec.nodeName", (v, f) => text(v, f, false));
  optional(spec.parameters, "parent.spec.parameters", parameters);
  const template = optional(spec.jobTemplate, "parent.spec.jobTemplate", object);
  if (template) {
    optional(template.image, "parent.spec.jobTemplate.image", (v, f) => text(v, f, false));
    optional(template.command, "parent.spec.jobTemplate.command", strings);
    optional(template.args, "parent.spec.jobTemplate.args", strings);
  }
  optional(hook.status, "parent.status", object);
  return hook as unknown as PlexdHook;
}

/** `{type: {name: object}}`; absent or null is empty, as Go decodes it. */
function objectMap(value: unknown, field: string): ObjectMap {
  const map = optional(value, field, object) ?? {};
  for (const [type, group] of Object.entries(map)) {
    if (group === null) continue;
    for (const [name, item] of Object.entries(object(group, `${field}["${type}"]`)))
      object(item, `${field}["${type}"]["${name}"]`);
  }
  return map as ObjectMap;
}

function body(value: unknown): Json {
  if (!isObject(value)) throw new ShapeError("body", "must be a JSON object");
  optional(value.controller, "controller", object);
  return value;
}

export function parseCustomizeRequest(value: unknown): CustomizeRequest {
  const request = body(value);
  return { controller: request.controller as CustomizeRequest["controller"], parent: parent(request.parent) };
}

export function parseSyncRequest(value: unknown): SyncRequest {
  const request = body(value);
  const finalizing = optional(request.finalizing, "finalizing", (v, f) => {
    if (typeof v !== "boolean") throw new ShapeError(f, "must be a boolean");
    return v;
  });
  return {
    controller: request.controller as SyncRequest["controller"],
    parent: parent(request.parent),
    children: objectMap(request.children, "children"),
    related: objectMap(request.related, "related"),
    finalizing: finalizing ?? false,
  };
}
