// The PlexdHook CRD as its schema tests read it: the parsed file and a path lookup into its schema.

import { readFileSync } from "node:fs";
import { parse } from "yaml";

export type Schema = {
  type?: string;
  format?: string;
  description?: string;
  required?: string[];
  default?: unknown;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message?: string }[];
};

const root = new URL("../../", import.meta.url).pathname;
export const CANONICAL = `${root}crds/plexdhook-crd.yaml`;
export const SEED_PATH = `${root}deploy/kubernetes/crds/plexdhook-crd.yaml`;

export const crd = parse(readFileSync(CANONICAL, "utf8"));
export const version = crd.spec.versions[0];
export const schema: Schema = version.schema.openAPIV3Schema;
export const spec = schema.properties!.spec!;
export const status = schema.properties!.status!;

/** Follows a dotted path of property names (`[]` steps into array items) from the root schema. */
export const at = (path: string): Schema =>
  path.split(".").reduce<Schema>((node, step) => {
    const next = step === "[]" ? node.items : node.properties?.[step];
    if (!next) throw new Error(`No schema at: ${path}`);
    return next;
  }, schema);
