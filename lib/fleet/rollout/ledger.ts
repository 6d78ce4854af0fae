// Where each node of a rollout stands, read from its hook and the Node: the rollout's whole state, never memory.

import { matchesSelector } from "../../core/label-selector.ts";
import type { PlexdHook } from "../../core/types.ts";
import { runOrder } from "./order.ts";
import { REASON_HOOK_CREATE_REFUSED } from "./reasons.ts";
import type { PlexdRollout, RolloutNode } from "./types.ts";

/** The API server refused to create a node's hook: its words, and when. */
export interface Refusal {
  message: string;
  at: string;
}

type NodeStage = "pending" | "running" | "succeeded" | "failed" | "gone";

export interface NodeEntry {
  name: string;
  stage: NodeStage;
  hook?: PlexdHook;
  node?: RolloutNode;
  /** Creating its hook was refused: it failed without a hook, and is not tried again. */
  refusal?: Refusal;
  /** Its hook runs, or ended and the node has not been Ready for settleSeconds yet: it holds a slot. */
  busy: boolean;
  /** NotReady, cordoned or busy (a node that no longer exists is not counted). */
  unavailable: boolean;
  /** Nothing more will happen on it: its hook ended and settled, or it is gone before its turn. */
  finished: boolean;
  /** When a settling node's slot frees up (epoch ms), if it is Ready. */
  settlesAt?: number;
}

function stageOf(hook: PlexdHook | undefined, node: RolloutNode | undefined, refused: boolean): NodeStage {
  if (!hook && refused) return "failed";
  if (!hook) return node ? "pending" : "gone";
  if (hook.status?.phase === "Succeeded") return "succeeded";
  if (hook.status?.phase === "Failed") return "failed";
  return "running";
}

export interface Ledger {
  /** The rollout's nodes in run order. */
  order: string[];
  entries: Map<string, NodeEntry>;
  /** The nodes the selector matches now, in run order: what the start records. */
  matching: string[];
}

export interface LedgerInput {
  rollout: PlexdRollout;
  /** Every Node of the cluster. */
  nodes: readonly RolloutNode[];
  /** The rollout's hooks (owned by it). */
  hooks: readonly PlexdHook[];
  /** Nodes whose hook the API server refused to create since the status was last written, by node. */
  refused?: ReadonlyMap<string, Refusal>;
  now: Date;
}

/** The refusals the status records (failedNodes with reason HookCreateRefused), then those newer than it. */
function refusalsOf(rollout: PlexdRollout, refused: ReadonlyMap<string, Refusal> = new Map()): Map<string, Refusal> {
  const recorded = (rollout.status?.failedNodes ?? []).filter((f) => f.reason === REASON_HOOK_CREATE_REFUSED);
  return new Map([...recorded.map((f) => [f.node, { message: f.message ?? "", at: f.completedAt ?? "" }] as const), ...refused]);
}

/**
 * Before the start the rollout's nodes are those the selector matches; from the start, those recorded
 * then (status.nodes), plus, with newNodes Join, those matching since, run after them. A node with a
 * hook of the rollout is always one of its nodes.
 */
export function buildLedger({ rollout, nodes, hooks, refused, now }: LedgerInput): Ledger {
  const { spec, status } = rollout;
  const settleMs = (spec.strategy?.settleSeconds ?? 0) * 1000;
  const partitionBy = spec.strategy?.partitionBy;
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const hookByNode = new Map<string, PlexdHook>();
  for (const hook of hooks) if (hook.spec.nodeName) hookByNode.set(hook.spec.nodeName, hook);
  const partitionOf = (name: string): string => (partitionBy ? (nodeByName.get(name)?.labels[partitionBy] ?? "") : "");
  const refusals = refusalsOf(rollout, refused);

  const matching = runOrder(
    nodes.filter((n) => matchesSelector(spec.nodeSelector, n.labels)).map((n) => n.name),
    partitionOf,
  );
  const recorded = status?.startedAt ? (status.nodes ?? []) : matching;
  const known = new Set(recorded);
  const joining = [...hookByNode.keys()].filter((n) => !known.has(n));
  if (status?.startedAt && spec.newNodes === "Join") joining.push(...matching.filter((n) => !known.has(n)));
  const order = [...runOrder(recorded, partitionOf), ...runOrder([...new Set(joining)], partitionOf)];

  const entries = new Map<string, NodeEntry>();
  for (const name of order) {
    const hook = hookByNode.get(name);
    const node = nodeByName.get(name);
    const refusal = hook ? undefined : refusals.get(name);
    const stage = stageOf(hook, node, refusal !== undefined);
    let settled = true;
    let settlesAt: number | undefined;
    const ended = stage === "succeeded" || stage === "failed";
    if (ended && node && hook) {
      const completedAt = Date.parse(hook?.status?.completedAt ?? "") || 0;
      const readySince = Date.parse(node.readySince ?? "") || 0;
      settlesAt = Math.max(completedAt, readySince) + settleMs;
      settled = node.ready && now.getTime() >= settlesAt;
      if (!node.ready) settlesAt = undefined;
    }
    const busy = stage === "running" || (ended && !settled);
    const unavailable = node !== undefined && (!node.ready || node.unschedulable || busy);
    const finished = stage === "gone" || (ended && settled);
    entries.set(name, {
      ...{ name, stage, hook, node, busy, unavailable, finished, settlesAt: settled ? undefined : settlesAt },
      ...(refusal && { refusal }),
    });
  }
  return { order, entries, matching };
}
