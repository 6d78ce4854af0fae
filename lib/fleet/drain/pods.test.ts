// judgePod() and planEvictions(): kubectl drain's choices of what to evict, what stays and what stops the drain.

import { describe, expect, test } from "bun:test";
import type { DrainSpec, Pod } from "../../core/types.ts";
import { judgePod, type PodVerdict, planEvictions } from "./pods.ts";

interface PodShape {
  owner?: string;
  annotations?: Record<string, string>;
  phase?: string;
  mirror?: boolean;
  emptyDir?: boolean;
  deleting?: boolean;
  labels?: Record<string, string>;
}

function pod(name: string, shape: PodShape = {}): Pod {
  const { owner = "ReplicaSet", phase = "Running" } = shape;
  return {
    metadata: {
      name,
      namespace: "apps",
      labels: shape.labels ?? { app: "web" },
      ...(owner !== "none" && { ownerReferences: [{ apiVersion: "v1", kind: owner, name: "o", uid: "u", controller: true }] }),
      annotations: { ...(shape.mirror && { "kubernetes.io/config.mirror": "abc" }), ...shape.annotations },
      ...(shape.deleting && { deletionTimestamp: new Date("2026-01-01T00:00:00Z") }),
    },
    spec: {
      containers: [{ name: "c" }],
      volumes: [{ name: "config", configMap: { name: "c" } }, ...(shape.emptyDir ? [{ name: "scratch", emptyDir: {} }] : [])],
    },
    status: { phase },
  };
}

const DRAIN: DrainSpec = { enabled: true };

describe("judgePod()", () => {
  test.each<[string, PodShape, DrainSpec, PodVerdict["kind"], string]>([
    ["a ReplicaSet's running pod", {}, DRAIN, "evict", ""],
    ["a StatefulSet's pod", { owner: "StatefulSet" }, DRAIN, "evict", ""],
    ["a Job's pod", { owner: "Job" }, DRAIN, "evict", ""],
    ["a DaemonSet's pod", { owner: "DaemonSet" }, DRAIN, "stays", "DaemonSet"],
    ["a mirror pod", { owner: "Node", mirror: true }, DRAIN, "stays", "mirror pod"],
    ["a pod that succeeded", { phase: "Succeeded" }, DRAIN, "stays", "succeeded"],
    [
      "a pod that failed, with emptyDir and no controller",
      { phase: "Failed", emptyDir: true, owner: "none" },
      DRAIN,
      "stays",
      "failed",
    ],
    ["a pod already being deleted", { deleting: true }, DRAIN, "terminating", ""],
    ["a pod with emptyDir", { emptyDir: true }, DRAIN, "refused", "emptyDir volume scratch"],
    ["a pod with emptyDir when deleteEmptyDirData", { emptyDir: true }, { ...DRAIN, deleteEmptyDirData: true }, "evict", ""],
    ["a pod without a controller", { owner: "none" }, DRAIN, "refused", "no controller"],
    [
      "a pod whose only emptyDir is listed safe to evict (cluster-autoscaler's annotation)",
      { emptyDir: true, annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes": "cache, scratch" } },
      DRAIN,
      "evict",
      "",
    ],
    [
      "a pod with an emptyDir not listed safe to evict",
      { emptyDir: true, annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes": "cache" } },
      DRAIN,
      "refused",
      "emptyDir volume scratch",
    ],
    [
      "a pod without a controller that says it is safe to evict",
      { owner: "none", emptyDir: true, annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" } },
      DRAIN,
      "evict",
      "",
    ],
    ["a hook's pod", { owner: "Job", labels: { "app.kubernetes.io/managed-by": "plexd" } }, DRAIN, "stays", "hook's pod"],
    ["a pod the podSelector selects", {}, { ...DRAIN, podSelector: { matchLabels: { app: "web" } } }, "evict", ""],
    [
      "a pod the podSelector does not select",
      { owner: "none" },
      { ...DRAIN, podSelector: { matchLabels: { app: "db" } } },
      "stays",
      "podSelector",
    ],
  ])("%s", (_, shape, drain, kind, why) => {
    const verdict = judgePod(pod("p", shape), drain);
    expect(verdict.kind).toBe(kind);
    if (why) expect("why" in verdict && verdict.why).toContain(why);
  });
});

describe("planEvictions()", () => {
  test("sorts the node's pods into evict, terminating and refused, in namespace/name order, leaving out what stays", () => {
    const pods = [
      pod("web-2"),
      pod("agent", { owner: "DaemonSet" }),
      pod("web-1"),
      pod("going", { deleting: true }),
      pod("cache", { emptyDir: true }),
      pod("done", { phase: "Succeeded" }),
    ];
    const plan = planEvictions(pods, DRAIN);
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(["web-1", "web-2"]);
    expect(plan.terminating.map((p) => p.metadata?.name)).toEqual(["going"]);
    expect(plan.refused).toEqual([{ pod: "apps/cache", why: expect.stringContaining("deleteEmptyDirData") }]);
  });

  test("an empty node has nothing to evict", () => {
    expect(planEvictions([], DRAIN)).toEqual({ evict: [], terminating: [], refused: [] });
  });
});
