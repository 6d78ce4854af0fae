// The status a plan writes: counts, batch and partition, the newest failures and the conditions.

import { setCondition } from "../../core/conditions.ts";
import type { Condition } from "../../core/types.ts";
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

function failedNodes(entries: readonly NodeEntry[]): FailedNode[] {
  return entries
    .filter((e) => e.stage === "failed" && e.hook)
    .map((e) => {
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
  const failures = failedNodes(entries);
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
  status.conditions = conditions;
  return status;
}
