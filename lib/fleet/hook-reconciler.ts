// The fleet controller's reconcile of one hook: assign it to a node if it names none, refuse a node it
// can never run on, and create the Jobs a node agent may not (privileged, control-plane).

import type { Logger } from "pino";
import type { HookLister } from "../controller/hook-cache.ts";
import type { Reconciler } from "../controller/reconcile.ts";
import type { StatusWriter } from "../controller/status-writer.ts";
import type { Outcome } from "../controller/work-queue.ts";
import { jobNameFor } from "../core/names.ts";
import { REASON_NODE_HOSTNAME_MISMATCH } from "../core/reasons.ts";
import { assignedStatus, failedStatus, isTerminal, noReadyNodeStatus } from "../core/status.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Metrics } from "../observe/metrics.ts";
import { chooseNode } from "./assign.ts";
import type { FleetView } from "./fleet-view.ts";
import { hostnameMismatch } from "./nodes.ts";

/** An untargeted hook no node can take is looked at again this often, besides every node or agent change. */
const UNASSIGNABLE_RECHECK_MS = 30_000;

export interface FleetReconcilerDeps {
  client: KubeClient;
  hooks: HookLister;
  view: FleetView;
  statusWriter: StatusWriter;
  /** The node agents' reconcile, acting as the fleet (role "fleet"): it creates only what needsFleet() says. */
  jobReconciler: Reconciler;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
}

function hostnameMismatchMessage(node: string, hostname: string): string {
  return `Node ${node} carries the label kubernetes.io/hostname=${hostname}, not its name, and a hook's Job is pinned with kubernetes.io/hostname=${node}: its pod could never be placed there. Hooks cannot target this node by name; create the hook without spec.nodeName to let the fleet controller choose a node`;
}

export class FleetReconciler {
  constructor(private readonly deps: FleetReconcilerDeps) {}

  async reconcile(key: string): Promise<Outcome> {
    const hook = this.deps.hooks.get(key);
    if (!hook || hook.metadata.deletionTimestamp || isTerminal(hook.status?.phase)) return;
    if (!hook.spec.nodeName && (await this.needsAssignment(hook))) {
      const outcome = await this.assign(hook);
      if (outcome) return outcome;
    }
    if (hook.spec.nodeName && !hook.status?.jobName) {
      const hostname = hostnameMismatch(this.deps.view.node(hook.spec.nodeName));
      if (hostname !== undefined) return this.refuseNode(hook, hook.spec.nodeName, hostname);
    }
    return this.deps.jobReconciler.reconcile(key);
  }

  /**
   * Not assigned yet, or assigned to a node that can no longer take it before its agent made the Job
   * (its status names none, and the API holds none: an agent records its Job just after creating it).
   */
  private async needsAssignment(hook: PlexdHook): Promise<boolean> {
    const assigned = hook.status?.nodeName;
    if (!assigned) return true;
    if (hook.status?.jobName || this.deps.view.canRun(assigned)) return false;
    return (await this.deps.client.getJob(hook.metadata.namespace, jobNameFor(hook.metadata.name))) === undefined;
  }

  /** Writes the assignment (or why there is none); the write's resourceVersion guards against an agent's claim. */
  private async assign(hook: PlexdHook): Promise<Outcome> {
    const { view, statusWriter, logger, now } = this.deps;
    const choice = chooseNode(hook, view.nodes(), view.agents(), view.busy());
    if ("why" in choice) {
      await statusWriter.write(hook, noReadyNodeStatus(hook, choice.why, now()));
      return { requeueAfterMs: UNASSIGNABLE_RECHECK_MS };
    }
    await statusWriter.write(hook, assignedStatus(hook, choice.node, now()));
    view.addBusy(choice.node);
    logger.info({ hook: hook.metadata.name, node: choice.node }, "hook assigned to a node");
  }

  private async refuseNode(hook: PlexdHook, node: string, hostname: string): Promise<Outcome> {
    const reason = REASON_NODE_HOSTNAME_MISMATCH;
    await this.deps.statusWriter.write(
      hook,
      failedStatus(hook, reason, hostnameMismatchMessage(node, hostname), this.deps.now()),
    );
    this.deps.metrics.failedWithoutJob(reason);
  }
}
