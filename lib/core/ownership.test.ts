import { expect, test } from "bun:test";
import { ownsHook, type Self, targetNode } from "./ownership.ts";
import type { PlexdHook } from "./types.ts";

const hook = (nodeName?: string, boundTo?: string): PlexdHook => ({
  metadata: { name: "h", namespace: "ns", uid: "u" },
  spec: { hookName: "x", ...(nodeName && { nodeName }) },
  ...(boundTo && { status: { nodeName: boundTo } }),
});
const node = (name: string, leader = false): Self => ({ nodeName: name, allNodes: false, leader });
const cluster = (name = "", leader = true): Self => ({ nodeName: name, allNodes: true, leader });

const cases: Array<[string, PlexdHook, Self, boolean, string | undefined]> = [
  ["a targeted hook belongs to its node", hook("a"), node("a"), true, "a"],
  ["a targeted hook is not another node's", hook("a"), node("b", true), false, "a"],
  ["an untargeted hook belongs to the leader", hook(), node("b", true), true, "b"],
  ["an untargeted hook is not a follower's", hook(), node("b"), false, "b"],
  ["an untargeted hook with a Job stays the leader's, wherever it runs", hook(undefined, "c"), node("b", true), true, "c"],
  ["an untargeted hook with a Job is not the node's it runs on", hook(undefined, "c"), node("c"), false, "c"],
  ["cluster mode takes targeted hooks", hook("a"), cluster(), true, "a"],
  ["cluster mode pins untargeted hooks to its default node", hook(), cluster("d"), true, "d"],
  ["cluster mode without a default node leaves untargeted hooks alone", hook(), cluster(), false, undefined],
  ["a cluster-mode replica without the Lease writes nothing", hook("a"), cluster("", false), false, "a"],
];

test.each(cases)("ownsHook(): %s", (_name, h, self, owns, target) => {
  expect(ownsHook(h, self)).toBe(owns);
  expect(targetNode(h, self)).toBe(target);
});
