import { expect, test } from "bun:test";
import { CONDITION_JOB_CREATED } from "./conditions.ts";
import { ownsHook, type Self, targetNode } from "./ownership.ts";
import { REASON_JOB_CREATED, REASON_JOB_CREATING } from "./reasons.ts";
import type { PlexdHook, PlexdHookSpec } from "./types.ts";

type Stage = "new" | "claimed" | "recorded";

const hook = (nodeName?: string, assigned?: string, stage: Stage = "new", spec: Partial<PlexdHookSpec> = {}): PlexdHook => ({
  metadata: { name: "h", namespace: "ns", uid: "u" },
  spec: { hookName: "x", ...(nodeName && { nodeName }), ...spec },
  ...((assigned || stage !== "new") && {
    status: {
      ...(assigned && { nodeName: assigned }),
      ...(stage !== "new" && {
        jobName: "plexdhook-h",
        conditions: [
          {
            type: CONDITION_JOB_CREATED,
            status: stage === "claimed" ? "Unknown" : "True",
            reason: stage === "claimed" ? REASON_JOB_CREATING : REASON_JOB_CREATED,
            message: "",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
      }),
    },
  }),
});
const privileged = { privileged: true };
const controlPlane = { allowControlPlane: true };
const agent = (name: string): Self => ({ role: "agent", nodeName: name, leader: false });
const fleet = (leader = true): Self => ({ role: "fleet", nodeName: "", leader });
const cluster = (name = "", leader = true): Self => ({ role: "cluster", nodeName: name, leader });

const cases: Array<[string, PlexdHook, Self, boolean, string | undefined]> = [
  ["a targeted hook belongs to its node's agent", hook("a"), agent("a"), true, "a"],
  ["a targeted hook is not another node's agent's", hook("a"), agent("b"), false, "a"],
  ["an unassigned untargeted hook is no agent's", hook(), agent("b"), false, undefined],
  ["an untargeted hook assigned to a node is that node's agent's", hook(undefined, "c"), agent("c"), true, "c"],
  ["an untargeted hook assigned elsewhere is not this agent's", hook(undefined, "c"), agent("b"), false, "c"],
  ["an unprivileged hook's Job is never the fleet's", hook("a"), fleet(), false, "a"],
  ["a privileged hook's Job is created by the fleet", hook("a", undefined, "new", privileged), fleet(), true, "a"],
  ["a privileged hook is not its agent's to create", hook("a", undefined, "new", privileged), agent("a"), false, "a"],
  ["a claimed privileged hook stays the fleet's", hook("a", "a", "claimed", privileged), fleet(), true, "a"],
  ["a claimed privileged hook is not its agent's", hook("a", "a", "claimed", privileged), agent("a"), false, "a"],
  [
    "a privileged hook whose Job is recorded is followed by its agent",
    hook("a", "a", "recorded", privileged),
    agent("a"),
    true,
    "a",
  ],
  [
    "a privileged hook whose Job is recorded is no longer the fleet's",
    hook("a", "a", "recorded", privileged),
    fleet(),
    false,
    "a",
  ],
  [
    "a hook whose parameter reads a Secret is created by the fleet",
    hook("a", undefined, "new", { parameters: [{ name: "p", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] }),
    fleet(),
    true,
    "a",
  ],
  [
    "a hook whose parameter reads a ConfigMap is its agent's",
    hook("a", undefined, "new", { parameters: [{ name: "p", valueFrom: { configMapKeyRef: { name: "c", key: "k" } } }] }),
    agent("a"),
    true,
    "a",
  ],
  ["a control-plane hook is created by the fleet", hook("cp", undefined, "new", controlPlane), fleet(), true, "cp"],
  ["a control-plane hook is not its agent's to create", hook("cp", undefined, "new", controlPlane), agent("cp"), false, "cp"],
  [
    "an unassigned privileged untargeted hook waits for its assignment",
    hook(undefined, undefined, "new", privileged),
    fleet(),
    false,
    undefined,
  ],
  ["a fleet replica without the Lease creates nothing", hook("a", undefined, "new", privileged), fleet(false), false, "a"],
  ["cluster mode takes targeted hooks", hook("a"), cluster(), true, "a"],
  ["cluster mode takes privileged hooks", hook("a", undefined, "new", privileged), cluster(), true, "a"],
  ["cluster mode pins untargeted hooks to its default node", hook(), cluster("d"), true, "d"],
  ["cluster mode without a default node leaves untargeted hooks alone", hook(), cluster(), false, undefined],
  ["a cluster-mode replica without the Lease writes nothing", hook("a"), cluster("", false), false, "a"],
];

test.each(cases)("ownsHook(): %s", (_name, h, self, owns, target) => {
  expect(ownsHook(h, self)).toBe(owns);
  expect(targetNode(h, self)).toBe(target);
});
