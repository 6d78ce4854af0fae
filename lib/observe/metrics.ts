// Prometheus metrics of one controller, on a registry of its own so several can live in one process.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { FAILED_WITHOUT_JOB_REASONS, type FailedWithoutJobReason } from "../core/reasons.ts";
import type { Phase } from "../core/types.ts";
import { ROLLOUT_NODE_STATES, ROLLOUT_PHASES, type RolloutSummary, rolloutCounts } from "./rollout-counts.ts";

export class Metrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: "plexd_hook_reconcile_total",
    help: "Reconciles of PlexdHooks by result (success, requeue: look again later, error: retried with backoff).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  private readonly hookFailures = new Counter({
    name: "plexd_hook_failures_total",
    help: `Hooks this controller marked Failed without a Job outcome, by reason (${FAILED_WITHOUT_JOB_REASONS.join(", ")}).`,
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly jobCreateSeconds = new Histogram({
    name: "plexd_hook_job_create_duration_seconds",
    help: "Latency of Job create requests to the API server.",
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: "plexd_hook_watch_restarts_total",
    help: "Watches re-established after an error, an expired resourceVersion or a silent stream.",
    labelNames: ["resource"] as const,
    registers: [this.registry],
  });
  readonly watchEvents = new Counter({
    name: "plexd_hook_watch_events_total",
    help: "Objects received from the API server by list or watch, by resource.",
    labelNames: ["resource"] as const,
    registers: [this.registry],
  });
  /** Read when scraped rather than set on every queue operation: a burst makes thousands a second. */
  private queue: () => { depth: number; inFlight: number } = () => ({ depth: 0, inFlight: 0 });
  readonly leader = new Gauge({
    name: "plexd_hook_leader",
    help: "1 while this process holds its Lease: the acting fleet controller, or the writing cluster-mode replica.",
    registers: [this.registry],
  });
  /** Counted when scraped; the controller that holds the hooks sets it (see countHooksWith). */
  private countPhases: () => Partial<Record<Phase | "None", number>> = () => ({});
  readonly hooks: Gauge<"phase">;
  readonly unclaimedHooks: Gauge;
  /** Read when scraped from the rollout duty's cache; empty where no rollout duty runs. */
  private rolloutSource: () => Iterable<RolloutSummary> = () => [];

  constructor() {
    const queue = () => this.queue();
    const gauge = (name: string, help: string, read: () => number): Gauge =>
      new Gauge({
        ...{ name, help, registers: [this.registry] },
        collect() {
          this.set(read());
        },
      });
    gauge("plexd_hook_workqueue_depth", "Hook keys waiting to be reconciled.", () => queue().depth);
    gauge("plexd_hook_reconciles_in_flight", "Reconciles running now.", () => queue().inFlight);
    const counts = () => this.countPhases();
    this.hooks = new Gauge({
      name: "plexd_hook_hooks",
      help: "PlexdHooks this controller handles, by status.phase (None: not yet processed).",
      labelNames: ["phase"] as const,
      registers: [this.registry],
      collect() {
        for (const [phase, count] of Object.entries(counts())) this.set({ phase }, count);
      },
    });
    this.unclaimedHooks = new Gauge({
      name: "plexd_hook_unclaimed_hooks",
      help: "Hooks aimed at a node where no controller has taken them for longer than --unclaimed-after, at the Lease holder's last look (0 elsewhere).",
      registers: [this.registry],
    });
    const rollouts = () => rolloutCounts(this.rolloutSource());
    // Reset on each scrape: a rollout deleted since the last one leaves no series behind.
    new Gauge({
      name: "plexd_hook_rollouts",
      help: `PlexdRollouts this process runs (the fleet Lease's holder), by status.phase (${ROLLOUT_PHASES.join(", ")}; None: not yet planned).`,
      labelNames: ["phase"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [phase, count] of rollouts().phases) this.set({ phase }, count);
      },
    });
    new Gauge({
      name: "plexd_hook_rollout_nodes",
      help: `Each PlexdRollout's nodes by state (${ROLLOUT_NODE_STATES.join(", ")}), from its status.`,
      labelNames: ["rollout", "state"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { rollout, state, count } of rollouts().nodes) this.set({ rollout, state }, count);
      },
    });
  }

  /** Counts a hook marked Failed without a Job outcome; the reason is one of FAILED_WITHOUT_JOB_REASONS. */
  failedWithoutJob(reason: FailedWithoutJobReason): void {
    this.hookFailures.inc({ reason });
  }

  /** Where the rollout gauges get their rollouts from (the rollout duty, while it runs). */
  countRolloutsWith(read: () => Iterable<RolloutSummary>): void {
    this.rolloutSource = read;
  }

  /** Where the hooks gauge gets its numbers from. */
  countHooksWith(countPhases: () => Record<Phase | "None", number>): void {
    this.countPhases = countPhases;
  }

  /** Where the work-queue gauges get their numbers from. */
  queueWith(queue: () => { depth: number; inFlight: number }): void {
    this.queue = queue;
  }

  /** Adds process metrics (memory, CPU, event loop); only the binary does, so tests stay quiet. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry, prefix: "plexd_hook_" });
    return this;
  }
}
