// The status a plan writes: counts, batch and partition, the newest failures and the conditions.

import { setCondition } from "../../core/conditions.ts";
import type { Condition } from "../../core/types.ts";
import { rolloutHookName } from "./hook.ts";
import type { Ledger, NodeEntry } from "./ledger.ts";
import type { Segment } from "./order.ts";
import * as R from "./reasons.ts";
import type { FailedNode, PlexdRollout, PlexdRolloutStatus, RolloutPhase } from "./types.ts";

/** What the plan decided: the phase, and the reason and message of the Progressing condition. */
export interface Verdict {
  phase: RolloutPhase;
  reason: string;
  message: string;
  /** When waiting outside the window: when it opens. */
  opensAt?: Date;
}

export interface StatusInput {
  rollout: PlexdRollout;
  ledger: Ledger;
  start: readonly string[];
  verdict: Verdict;
  segments: readonly Segment[];
  /** The segment being run; -1 when every node has finished. */
  current: number;
  now: Date;
}

const PROGRESSING_REASONS = new Set([R.REASON_RUNNING, R.REASON_SETTLING]);
const MAX_MESSAGE = 1024;

function failedNodes(rollout: PlexdRollout, entries: readonly NodeEntry[]): FailedNode[] {
  return entries
    .filter((e) => e.stage === "failed")
    .map((e) => {
      if (e.refusal) {
        const { message, at } = e.refusal;
        const hook = rolloutHookName(rollout.metadata.name, e.name);
        return {
          node: e.name,
          hook,
          reason: R.REASON_HOOK_CREATE_REFUSED,
          message: message.slice(0, MAX_MESSAGE),
          completedAt: at,
        };
      }
      const status = e.hook?.status ?? {};
      const failure: FailedNode = { node: e.name, hook: e.hook?.metadata.name as string };
      if (status.exitCode !== undefined) failure.exitCode = status.exitCode;
      if (status.message) failure.message = status.message.slice(0, MAX_MESSAGE);
      if (status.completedAt) failure.completedAt = status.completedAt;
      return failure;
    })
    .sort((a, b) => (b.completedAt ?? "").localeCompare(a.completedAt ?? "") || a.node.localeCompare(b.node))
    .slice(0, R.MAX_FAILED_NODES);
}

/** What to change when hooks were refused: the refusal is the API server's, so the fix is outside plexd-hook. */
function refusedMessage(refused: readonly NodeEntry[]): string {
  const nodes = refused.map((e) => e.name);
  const shown = nodes.length > 3 ? `${nodes.slice(0, 3).join(", ")} and ${nodes.length - 3} more` : nodes.join(", ");
  return (
    `The API server refused to create the hook of ${nodes.length} node(s) (${shown}): ${refused[0]?.refusal?.message}. ` +
    "Change what refuses it (an admission policy, a ResourceQuota, the template's fields it rejects); " +
    "the template cannot change once the rollout started, so fix it in a new rollout"
  ).slice(0, MAX_MESSAGE);
}

export function rolloutStatus({ rollout, ledger, start, verdict, segments, current, now }: StatusInput): PlexdRolloutStatus {
  const previous = rollout.status ?? {};
  const generation = rollout.metadata.generation;
  const entries = ledger.order.map((n) => ledger.entries.get(n) as NodeEntry);
  const count = (stage: NodeEntry["stage"]): number => entries.filter((e) => e.stage === stage).length;
  const ended = verdict.phase === "Succeeded" || verdict.phase === "Failed";
  const pending = count("pending") - start.length;
  const startedAt = previous.startedAt ?? (start.length > 0 ? now.toISOString() : undefined);

  const status: PlexdRolloutStatus = {
    phase: verdict.phase,
    selected: entries.length,
    pending: ended ? 0 : pending,
    running: count("running") + start.length,
    succeeded: count("succeeded"),
    failed: count("failed"),
    // Nodes that will never run: gone before their turn, and every pending one once the rollout ended.
    skipped: count("gone") + (ended ? pending : 0),
  };
  if (generation !== undefined) status.observedGeneration = generation;
  if (startedAt) {
    status.startedAt = startedAt;
    status.nodes = previous.startedAt ? (previous.nodes ?? []) : [...ledger.order];
  }
  if (ended) status.completedAt = now.toISOString();
  const segment = segments[current < 0 ? segments.length - 1 : current];
  if (segment) {
    status.batch = (current < 0 ? segments.length - 1 : current) + 1;
    status.batches = segments.length;
    if (rollout.spec.strategy?.partitionBy) status.partition = segment.partition;
  }
  if (verdict.opensAt) status.nextWindowStart = verdict.opensAt.toISOString();
  const failures = failedNodes(rollout, entries);
  if (failures.length > 0) status.failedNodes = failures;

  const condition = (type: string, value: boolean, reason: string, message: string, list?: Condition[]): Condition[] =>
    setCondition(
      list,
      {
        type,
        status: value ? "True" : "False",
        reason,
        message,
        ...(generation !== undefined && { observedGeneration: generation }),
      },
      now,
    );
  let conditions = condition(
    R.CONDITION_PROGRESSING,
    PROGRESSING_REASONS.has(verdict.reason),
    verdict.reason,
    verdict.message,
    previous.conditions,
  );
  if (verdict.phase === "Succeeded")
    conditions = condition(R.CONDITION_COMPLETE, true, verdict.reason, verdict.message, conditions);
  if (verdict.phase === "Failed") conditions = condition(R.CONDITION_FAILED, true, verdict.reason, verdict.message, conditions);
  const refused = entries.filter((e) => e.refusal).sort((a, b) => (b.refusal?.at ?? "").localeCompare(a.refusal?.at ?? ""));
  if (refused.length > 0) {
    conditions = condition(R.CONDITION_HOOKS_REFUSED, true, R.REASON_HOOK_CREATE_REFUSED, refusedMessage(refused), conditions);
  }
  status.conditions = conditions;
  return status;
}
