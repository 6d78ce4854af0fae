// Names: object keys, and deterministic Job names and label values that fit Kubernetes' 63-character limit.

import { createHash } from "node:crypto";
import { JOB_NAME_PREFIX } from "../constants.ts";

/** An RFC 1123 label: namespaces, and most names Kubernetes checks. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The `namespace/name` key of an object: what the work queue and the caches hold. */
export const keyOf = (object: { metadata?: { name?: string; namespace?: string } }): string =>
  `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;

/** Label values stop at 63 characters; the Job controller copies the Job name into a pod label. */
export const MAX_JOB_NAME_LENGTH = 63;
const HASH_LENGTH = 10;

/**
 * `value` if it is at most `max` characters (a label value's 63 by default), else a prefix of it and a
 * hash of `source`: unique, stable, and still a valid name and label value. Every generated name that
 * may run long goes through here: Job names, node labels, `run`'s hook names, a rollout's hooks.
 */
export function fitName(value: string, options: { source?: string; max?: number } = {}): string {
  const { source = value, max = MAX_JOB_NAME_LENGTH } = options;
  if (value.length <= max) return value;
  const hash = createHash("sha256").update(source).digest("hex").slice(0, HASH_LENGTH);
  // Also a DNS subdomain: the part before the hash must not end in '.', '-' or '_'.
  const prefix = value.slice(0, max - HASH_LENGTH - 1).replace(/[-._]+$/, "");
  return `${prefix}-${hash}`;
}

/** The Job name for the PlexdHook named `hookResourceName`: `plexdhook-{name}`, shortened if needed. */
export function jobNameFor(hookResourceName: string): string {
  return fitName(`${JOB_NAME_PREFIX}${hookResourceName}`, { source: hookResourceName });
}

/** The `plexd.plexsphere.com/node` label value for a node (node names may run to 253 characters). */
export function nodeLabelValue(nodeName: string): string {
  return fitName(nodeName);
}
