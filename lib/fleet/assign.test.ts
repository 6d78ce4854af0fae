import { expect, test } from "bun:test";
import type { PlexdHook } from "../core/types.ts";
import { chooseNode } from "./assign.ts";
import type { NodeView } from "./nodes.ts";

const hook = (uid = "u1", allowControlPlane = false): PlexdHook => ({
  metadata: { name: "h", namespace: "ns", uid },
  spec: { hookName: "x", ...(allowControlPlane && { allowControlPlane }) },
});
const node = (name: string, more: Partial<NodeView> = {}): NodeView => ({
  name,
  ready: true,
  unschedulable: false,
  controlPlane: false,
  hostname: name,
  ...more,
});
const all = (...names: string[]) => new Set(names);

const cases: Array<[string, PlexdHook, NodeView[], ReadonlySet<string> | "any", Record<string, number>, string]> = [
  ["the only fit node", hook(), [node("a")], all("a"), {}, "a"],
  ["a NotReady node is skipped", hook(), [node("a", { ready: false }), node("b")], all("a", "b"), {}, "b"],
  ["a cordoned node is skipped", hook(), [node("a", { unschedulable: true }), node("b")], all("a", "b"), {}, "b"],
  ["a node without a ready agent is skipped", hook(), [node("a"), node("b")], all("b"), {}, "b"],
  ["every Ready node counts with agents 'any'", hook(), [node("a", { ready: false }), node("b")], "any", {}, "b"],
  ["a control-plane node is skipped", hook(), [node("cp", { controlPlane: true }), node("w")], all("cp", "w"), { w: 9 }, "w"],
  [
    "a control-plane node is fine for a hook that allows it",
    hook("u1", true),
    [node("cp", { controlPlane: true })],
    all("cp"),
    {},
    "cp",
  ],
  [
    "a node whose hostname label differs is skipped",
    hook(),
    [node("a", { hostname: "other" }), node("b")],
    all("a", "b"),
    {},
    "b",
  ],
  ["the least busy node wins", hook(), [node("a"), node("b"), node("c")], all("a", "b", "c"), { a: 2, c: 1, b: 3 }, "c"],
];

test.each(cases)("chooseNode(): %s", (_name, h, nodes, agents, busy, want) => {
  expect(chooseNode(h, nodes, agents, new Map(Object.entries(busy)))).toEqual({ node: want });
});

test("chooseNode() says why when no node fits", () => {
  expect(chooseNode(hook(), [], "any", new Map())).toEqual({ why: "the cluster has no nodes" });
  const why = chooseNode(hook(), [node("a", { ready: false })], "any", new Map());
  expect(why).toEqual({ why: expect.stringContaining("none of the 1 nodes is Ready, schedulable and not a control-plane node") });
});

test("chooseNode() spreads equally busy nodes by the hook's UID, the same way every time", () => {
  const nodes = ["a", "b", "c", "d"].map((n) => node(n));
  const picks = Array.from({ length: 200 }, (_, i) => chooseNode(hook(`uid-${i}`), nodes, "any", new Map()));
  const counts = new Map<string, number>();
  for (const pick of picks) if ("node" in pick) counts.set(pick.node, (counts.get(pick.node) ?? 0) + 1);
  expect(counts.size).toBe(4);
  for (const count of counts.values()) expect(count).toBeGreaterThan(20);
  expect(chooseNode(hook("uid-7"), nodes, "any", new Map())).toEqual(picks[7] as { node: string });
});
