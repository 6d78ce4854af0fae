// metav1.Condition bookkeeping: lastTransitionTime moves only when a condition's status changes.

import type { Condition } from "./types.ts";

export const CONDITION_JOB_CREATED = "JobCreated";
export const CONDITION_SUCCEEDED = "Succeeded";

/** Returns a copy of `conditions` with `next` set, keeping the old transition time if status is unchanged. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, "lastTransitionTime">,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const previous = index >= 0 ? list[index] : undefined;
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString();
  const condition: Condition = { ...next, lastTransitionTime };
  if (index >= 0) list[index] = condition;
  else list.push(condition);
  return list;
}
