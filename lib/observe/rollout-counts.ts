// What the rollout gauges export, counted from the rollouts' statuses: pure, so a table can test it.

/** A rollout as the gauges read it. */
export interface RolloutSummary {
  metadata: { name: string };
  status?: { phase?: string } & Partial<Record<RolloutNodeState, number>>;
}

export const ROLLOUT_PHASES = ["Pending", "Progressing", "Waiting", "Paused", "Succeeded", "Failed"] as const;
/** The node counts of a rollout's status, as plexd_hook_rollout_nodes's state label. */
export const ROLLOUT_NODE_STATES = ["pending", "running", "succeeded", "failed", "skipped"] as const;
type RolloutNodeState = (typeof ROLLOUT_NODE_STATES)[number];

export interface RolloutCounts {
  /** Every phase, None (no status yet) included, with 0 where no rollout is in it. */
  phases: Map<string, number>;
  nodes: Array<{ rollout: string; state: RolloutNodeState; count: number }>;
}

export function rolloutCounts(rollouts: Iterable<RolloutSummary>): RolloutCounts {
  const phases = new Map<string, number>([...ROLLOUT_PHASES, "None"].map((phase) => [phase, 0]));
  const nodes: RolloutCounts["nodes"] = [];
  for (const { metadata, status } of rollouts) {
    const phase = status?.phase ?? "None";
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    for (const state of ROLLOUT_NODE_STATES) nodes.push({ rollout: metadata.name, state, count: status?.[state] ?? 0 });
  }
  return { phases, nodes };
}
