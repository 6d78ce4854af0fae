// The fleet controller's view of the nodes: each Node's state, where agents are ready, and how busy each node is.

import type { HookLister } from "../controller/hook-cache.ts";
import { keyOf } from "../core/names.ts";
import { isTerminal } from "../core/status.ts";
import type { Node, Pod } from "../core/types.ts";
import type { ObjectChange } from "../kube/client.ts";
import { type AgentView, agentView, type NodeView, nodeView } from "./nodes.ts";

/** How long one count of the hooks per node serves assignments (a burst of untargeted hooks counts once). */
const BUSY_TTL_MS = 1_000;

export class FleetView {
  private readonly nodeMap = new Map<string, NodeView>();
  /** Agent pods by namespace/name. */
  private readonly agentPods = new Map<string, AgentView>();
  private counted: { at: number; busy: Map<string, number> } | undefined;

  /** `anyAgent`: every Ready node counts as having an agent (agents run outside pods). */
  constructor(
    private readonly hooks: HookLister,
    private readonly anyAgent: boolean,
  ) {}

  /** Takes in a Node watch event; returns whether what assignment reads of it changed. */
  storeNode(event: ObjectChange<Node>): boolean {
    const view = nodeView(event.object);
    const before = this.nodeMap.get(view.name);
    if (event.type === "DELETED") this.nodeMap.delete(view.name);
    else this.nodeMap.set(view.name, view);
    return event.type === "DELETED" || !Bun.deepEquals(before, view);
  }

  /** Takes in an agent pod watch event; returns whether a node's agent readiness may have changed. */
  storeAgent(event: ObjectChange<Pod>): boolean {
    const key = keyOf(event.object);
    const before = this.agentPods.get(key);
    const view = agentView(event.object);
    if (event.type === "DELETED") this.agentPods.delete(key);
    else this.agentPods.set(key, view);
    return event.type === "DELETED" || !Bun.deepEquals(before, view);
  }

  node(name: string): NodeView | undefined {
    return this.nodeMap.get(name);
  }

  nodes(): Iterable<NodeView> {
    return this.nodeMap.values();
  }

  /** The nodes with a ready agent, or "any". */
  agents(): ReadonlySet<string> | "any" {
    if (this.anyAgent) return "any";
    const ready = new Set<string>();
    for (const agent of this.agentPods.values()) if (agent.ready) ready.add(agent.node);
    return ready;
  }

  /** Whether a hook assigned to `name` can still be run there: the node is Ready and its agent too. */
  canRun(name: string): boolean {
    if (!this.nodeMap.get(name)?.ready) return false;
    const agents = this.agents();
    return agents === "any" || agents.has(name);
  }

  /** Hooks not yet finished per node, counted at most once a second. */
  busy(): ReadonlyMap<string, number> {
    const at = performance.now();
    if (this.counted && at - this.counted.at < BUSY_TTL_MS) return this.counted.busy;
    const busy = new Map<string, number>();
    for (const hook of this.hooks.list()) {
      const node = hook.spec.nodeName || hook.status?.nodeName;
      if (node && !isTerminal(hook.status?.phase)) busy.set(node, (busy.get(node) ?? 0) + 1);
    }
    this.counted = { at, busy };
    return busy;
  }

  /** Counts an assignment just made, until the next count sees it. */
  addBusy(node: string): void {
    const busy = this.counted?.busy;
    busy?.set(node, (busy.get(node) ?? 0) + 1);
  }
}
