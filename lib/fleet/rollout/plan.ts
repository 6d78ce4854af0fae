// The rollout's pure core: from the rollout, the Nodes, its hooks and the clock, which nodes start now and the status.

import { buildLedger, type Ledger, type LedgerInput, type NodeEntry } from "./ledger.ts";
import { segments } from "./order.ts";
import { resolveCount } from "./quantity.ts";
import * as R from "./reasons.ts";
import { rolloutStatus, type Verdict } from "./status.ts";
import type { PlexdRolloutStatus } from "./types.ts";
import { windowState } from "./window.ts";

export interface Plan {
  /** Nodes to create a hook for now, in run order. */
  start: string[];
  status: PlexdRolloutStatus;
  /** Look again after this long even if nothing changes: a node settles, the window opens or closes. */
  requeueAfterMs?: number;
}

const NAMES_IN_MESSAGE = 5;
const names = (list: readonly string[]): string =>
  list.length > NAMES_IN_MESSAGE
    ? `${list.slice(0, NAMES_IN_MESSAGE).join(", ")} and ${list.length - NAMES_IN_MESSAGE} more`
    : list.join(", ");

/** Picks the nodes of `segment` that may start within maxParallel and maxUnavailable; says why none could. */
function pick(ledger: Ledger, segment: readonly string[], maxParallel: number, maxUnavailable: number) {
  const all = ledger.order.map((n) => ledger.entries.get(n) as NodeEntry);
  let busy = all.filter((e) => e.busy).length;
  let unavailable = all.filter((e) => e.unavailable).length;
  const start: string[] = [];
  const notReady: string[] = [];
  let blockedByUnavailable = false;
  for (const name of segment) {
    const entry = ledger.entries.get(name) as NodeEntry;
    if (entry.stage !== "pending") continue;
    if (busy >= maxParallel) break;
    if (!entry.node?.ready) {
      notReady.push(name);
      continue;
    }
    // A cordoned node is unavailable already: running its hook makes no more nodes unavailable.
    const adds = entry.node.unschedulable ? 0 : 1;
    if (unavailable + adds > maxUnavailable) {
      blockedByUnavailable = true;
      continue;
    }
    start.push(name);
    busy++;
    unavailable += adds;
  }
  return { start, notReady, blockedByUnavailable, unavailable };
}

export function planRollout(input: LedgerInput): Plan {
  const { rollout, now } = input;
  const previous = rollout.status ?? {};
  // An ended rollout is over: hooks deleted or nodes added afterwards change nothing.
  if (previous.completedAt && (previous.phase === "Succeeded" || previous.phase === "Failed")) {
    return { start: [], status: previous };
  }
  const { spec } = rollout;
  const strategy = spec.strategy ?? {};
  const ledger = buildLedger(input);
  const entries = ledger.order.map((n) => ledger.entries.get(n) as NodeEntry);
  const total = entries.length;
  const running = entries.filter((e) => e.stage === "running").length;
  const failed = entries.filter((e) => e.stage === "failed").length;
  const budget = resolveCount(strategy.failureBudget, total, 0, 0);
  const partitionOf = (name: string): string =>
    strategy.partitionBy ? (ledger.entries.get(name)?.node?.labels[strategy.partitionBy] ?? "") : "";
  const cut = segments(ledger.order, partitionOf, strategy.batches, total);
  const current = cut.findIndex((s) => s.nodes.some((n) => !(ledger.entries.get(n) as NodeEntry).finished));
  const settling = entries.filter((e) => e.settlesAt !== undefined).map((e) => (e.settlesAt as number) - now.getTime());
  const wakes: number[] = [...settling];
  const stopping = failed > budget ? R.REASON_FAILURE_BUDGET_EXCEEDED : spec.abort ? R.REASON_ABORTED : undefined;
  const waitingFor = running > 0 ? `; waiting for ${running} running hook(s) to end` : "";
  let start: string[] = [];
  let verdict: Verdict;

  if (current < 0) {
    verdict =
      stopping === R.REASON_FAILURE_BUDGET_EXCEEDED
        ? { phase: "Failed", reason: stopping, message: `${failed} node(s) failed, more than the failure budget of ${budget}` }
        : { phase: "Succeeded", reason: R.REASON_SUCCEEDED, message: `${total - failed} of ${total} node(s) succeeded` };
  } else if (stopping) {
    const message =
      stopping === R.REASON_ABORTED
        ? "aborted (spec.abort)"
        : `${failed} node(s) failed, more than the failure budget of ${budget}`;
    verdict = { phase: running === 0 ? "Failed" : "Progressing", reason: stopping, message: message + waitingFor };
  } else if (spec.paused) {
    verdict = {
      phase: "Paused",
      reason: R.REASON_PAUSED,
      message: `paused: no node starts until spec.paused is false${waitingFor}`,
    };
  } else {
    let window: ReturnType<typeof windowState> | Error = { open: true, closesAt: new Date(8.64e15) };
    try {
      if (spec.window) window = windowState(spec.window, now);
    } catch (err) {
      window = err as Error;
    }
    if (window instanceof Error) {
      verdict = { phase: "Waiting", reason: R.REASON_INVALID_WINDOW, message: window.message };
    } else if (!window.open) {
      const opens = window.opensAt
        ? `the next window opens at ${window.opensAt.toISOString()}`
        : "the schedule never opens again";
      verdict = {
        phase: "Waiting",
        reason: R.REASON_OUTSIDE_WINDOW,
        message: `outside the window: ${opens}${waitingFor}`,
        opensAt: window.opensAt,
      };
      if (window.opensAt) wakes.push(window.opensAt.getTime() - now.getTime());
    } else {
      if (spec.window) wakes.push(window.closesAt.getTime() - now.getTime());
      const maxParallel = resolveCount(strategy.maxParallel, total, 1, 1);
      const maxUnavailable = resolveCount(strategy.maxUnavailable, total, Number.POSITIVE_INFINITY, 1);
      const picked = pick(ledger, (cut[current] as { nodes: string[] }).nodes, maxParallel, maxUnavailable);
      start = picked.start;
      const busy = entries.some((e) => e.busy);
      if (start.length > 0 || running > 0) {
        verdict = { phase: "Progressing", reason: R.REASON_RUNNING, message: `${running + start.length} running` };
      } else if (busy) {
        verdict = {
          phase: "Progressing",
          reason: R.REASON_SETTLING,
          message: "waiting for nodes to be Ready for settleSeconds after their hook",
        };
      } else {
        const phase = previous.startedAt ? "Progressing" : "Pending";
        verdict = picked.blockedByUnavailable
          ? {
              phase,
              reason: R.REASON_MAX_UNAVAILABLE,
              message: `${picked.unavailable} of ${total} node(s) are unavailable (NotReady, cordoned or busy); maxUnavailable is ${maxUnavailable}`,
            }
          : {
              phase,
              reason: R.REASON_NODES_NOT_READY,
              message: `the nodes whose turn it is are NotReady: ${names(picked.notReady)}`,
            };
      }
    }
  }

  const status = rolloutStatus({ rollout, ledger, start, verdict, segments: cut, current, now });
  const ahead = wakes.filter((ms) => ms > 0);
  return { start, status, requeueAfterMs: ahead.length > 0 ? Math.min(...ahead) : undefined };
}
