// The Job name for a hook: `plexdhook-{name}`, shortened with a hash when it would not fit a label value.

import { createHash } from "node:crypto";
import { JOB_NAME_PREFIX } from "../constants.ts";

/** The Job controller copies the Job name into a pod label, whose values stop at 63 characters. */
export const MAX_JOB_NAME_LENGTH = 63;
const HASH_LENGTH = 10;

/** Returns the deterministic Job name for the PlexdHook named `hookResourceName`. */
export function jobNameFor(hookResourceName: string): string {
  const full = `${JOB_NAME_PREFIX}${hookResourceName}`;
  if (full.length <= MAX_JOB_NAME_LENGTH) return full;
  const hash = createHash("sha256").update(hookResourceName).digest("hex").slice(0, HASH_LENGTH);
  // A Job name is a DNS subdomain: the part before the hash must not end in '.' or '-'.
  const prefix = full.slice(0, MAX_JOB_NAME_LENGTH - HASH_LENGTH - 1).replace(/[-.]+$/, "");
  return `${prefix}-${hash}`;
}
