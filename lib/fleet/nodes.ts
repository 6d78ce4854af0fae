// What the fleet controller keeps of a Node and of a node agent's pod: only what assignment and the reports read.

import { CONTROL_PLANE_NODE_LABEL, LABEL_HOSTNAME } from "../constants.ts";
import type { Node, Pod } from "../core/types.ts";

export interface NodeView {
  name: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** Cordoned: spec.unschedulable. */
  unschedulable: boolean;
  controlPlane: boolean;
  /** The node's kubernetes.io/hostname label, if it has one. */
  hostname?: string;
}

export function nodeView(node: Node): NodeView {
  const labels = node.metadata?.labels ?? {};
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  return {
    name: node.metadata?.name ?? "",
    ready: ready?.status === "True",
    unschedulable: node.spec?.unschedulable === true,
    controlPlane: CONTROL_PLANE_NODE_LABEL in labels,
    ...(labels[LABEL_HOSTNAME] !== undefined && { hostname: labels[LABEL_HOSTNAME] }),
  };
}

/** A node agent's pod: the node it runs on, and whether it is Ready (its /readyz: caches synced). */
export interface AgentView {
  node: string;
  ready: boolean;
}

export function agentView(pod: Pod): AgentView {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  return {
    node: pod.spec?.nodeName ?? "",
    ready: ready?.status === "True" && !pod.metadata?.deletionTimestamp,
  };
}

/**
 * The Job builder pins with kubernetes.io/hostname set to the node's name (the seed's rule); a node
 * whose label says otherwise can never receive a hook pod. Returns the label when it differs.
 */
export function hostnameMismatch(node: NodeView | undefined): string | undefined {
  if (node?.hostname === undefined || node.hostname === node.name) return undefined;
  return node.hostname;
}
