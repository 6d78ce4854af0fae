// What each benchmark scenario measures, as plain data the report turns into tables and plots.

import type { ActorKind } from "./actors.ts";
import type { Machine } from "./proc.ts";

interface StartupResult {
  readyMs: number[];
  idleRssMb: number[];
  stopMs: number[];
}

interface LatencyResult {
  /** Hook create answered → Pending seen, ms. */
  samples: number[];
  timeouts: number;
  cpuSeconds: number;
}

interface BurstSide {
  hooks: number;
  totalMs: number;
  createMs: number;
  done: number;
  cpuSeconds: number;
  machineBusy: number;
  progress: Array<[number, number]>;
  counters?: Record<string, number>;
}

export interface FleetResult {
  nodes: number[];
  /** Per fleet size: idle requests/s of the whole fleet, by verb and resource. */
  idle: Array<{
    nodes: number;
    seconds: number;
    /** The operators' own requests (audit log), watches aside. */
    requestsPerSecond: number;
    /** Everyone's requests at the API server (/metrics) minus the window without the fleet. */
    apiServerRate: number;
    byKey: Array<[string, number]>;
  }>;
  watchesPerNode: number;
  watchesByResource: Array<[string, number]>;
  apiServer: { before: { cpuPercent: number; rssMb: number }; after: { cpuPercent: number; rssMb: number } };
  hooks: number;
  /** Hooks in each controller's cache ÷ hooks aimed at it (1.0: each receives only its own). */
  cachedPerAimed: { min: number; max: number };
  /** Watch events each controller received per hook aimed at it. */
  eventsPerHook: { min: number; max: number; mean: number };
  succeededMs: number;
  /** The fleet's Lease requests while the hooks ran, by verb and status code: renewals only, if all is well. */
  busyLeaseRequests: Array<[string, number]>;
  /** The operators' requests per hook while the hooks ran, by `verb resource` (watches aside). */
  busyPerHook?: Array<[string, number]>;
  /** Of those, the reads that explain Jobs that have not started (pod and Event lists) per hook. */
  explainReadsPerHook?: number;
  operatorRssMb: { min: number; max: number };
}

/** The fleet controller alone over many nodes (bench/fleet-controller.ts). */
interface FleetControllerResult {
  nodes: number;
  hooks: number;
  /** Hooks with a node in their status when the run stopped waiting. */
  assigned: number;
  assignMs: number;
  idle: { rssMb: number; requestsPerSecond: Array<[string, number]> };
  busy: { rssMb: number; cpuSeconds: number; perHook: Array<[string, number]> };
  after: { rssMb: number; requestsPerSecond: Array<[string, number]> };
}

/** One build of the webhook under the Metacontroller model (bench/metacontroller.ts). */
export interface MetacontrollerSide {
  label: string;
  hooks: number;
  /** The model's client limit, as Metacontroller's --client-go-qps. */
  qps: number;
  /** Hooks created → every hook Succeeded. */
  seconds: number;
  succeeded: number;
  /** Metacontroller's requests per hook, by `verb resource`. */
  perHook: Array<[string, number]>;
}

interface BacklogSide {
  hooks: number;
  /** Hooks seen Pending, and (the operator, the Go peer) Succeeded. */
  pendingMs: number;
  succeededMs?: number;
  /** Every client's requests at the API server meanwhile (its /metrics), by verb and resource. */
  apiServer: Array<[string, number]>;
  /** The plexd ServiceAccount's own requests (audit log). */
  own: Array<[string, number]>;
  counters?: Record<string, number>;
  rss: { idle: number; peak: number; settled: number };
  cpuSeconds: number;
}

export interface Results {
  started: Date;
  machine: Machine;
  load: { before: string; after?: string };
  label?: string;
  notes: string[];
  startup?: Partial<Record<ActorKind, StartupResult>>;
  latency?: Partial<Record<ActorKind, LatencyResult>>;
  burst?: Partial<Record<ActorKind, BurstSide>>;
  memory?: Partial<Record<ActorKind, Array<[number, number]>>>;
  fleet?: FleetResult;
  fleetController?: FleetControllerResult;
  metacontroller?: MetacontrollerSide[];
  backlog?: Partial<Record<ActorKind, BacklogSide>>;
}
