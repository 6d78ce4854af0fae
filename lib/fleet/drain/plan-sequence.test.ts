// planNode() run to rest over a small world: the end states of whole drains, and that two never interleave.

import { expect, test } from "bun:test";
import { hook, key, NODE, NOW, NS, node } from "../../../tests/support/drain.ts";
import { DRAIN_FINALIZER } from "../../constants.ts";
import type { PlexdHook } from "../../core/types.ts";
import type { DrainNodeView } from "./holder.ts";
import { drainedStep, planNode, type Step } from "./plan.ts";
import { drainingStatus, holdsNode } from "./stages.ts";

class World {
  hooks = new Map<string, PlexdHook>();
  /** Pods a PodDisruptionBudget keeps on the node; any other pod leaves at the first eviction. */
  blockedPods = 0;
  now = NOW;
  constructor(public view: DrainNodeView) {}

  add(...hooks: PlexdHook[]): void {
    for (const h of hooks) this.hooks.set(h.metadata.name, h);
  }

  get(name: string): PlexdHook {
    return this.hooks.get(name) as PlexdHook;
  }

  end(name: string, phase: "Succeeded" | "Failed" = "Succeeded"): void {
    const h = this.get(name);
    this.hooks.set(name, { ...h, status: { ...h.status, phase } });
  }

  /** Deletes the hook as the API server does: at once without finalizers, else it is marked. */
  remove(name: string): void {
    const h = this.get(name);
    if (!h.metadata.finalizers?.length) this.hooks.delete(name);
    else this.hooks.set(name, { ...h, metadata: { ...h.metadata, deletionTimestamp: this.now } });
  }

  private apply(step: Step): void {
    const h = step.hook && this.hooks.get(step.hook.metadata.name);
    switch (step.kind) {
      case "addFinalizer":
        if (h) h.metadata = { ...h.metadata, finalizers: [DRAIN_FINALIZER] };
        return;
      case "removeFinalizer":
        if (h?.metadata.deletionTimestamp) this.hooks.delete(h.metadata.name);
        else if (h) h.metadata = { ...h.metadata, finalizers: [] };
        return;
      case "status":
        if (h) h.status = structuredClone(step.status);
        return;
      case "patchNode": {
        const { unschedulable, cordonedBy } = step.patch;
        this.view = { ...this.view, unschedulable: unschedulable ?? this.view.unschedulable };
        if (cordonedBy === null) delete this.view.cordonedBy;
        else this.view.cordonedBy = cordonedBy;
        return;
      }
      case "evict": {
        if (!h) return;
        const next =
          this.blockedPods > 0
            ? {
                kind: "status",
                hook: h,
                status: drainingStatus(
                  h,
                  NODE,
                  {
                    podsLeft: this.blockedPods,
                    blocking: { pod: "apps/web-1", why: "The disruption budget web needs 1 healthy pods and has 1 currently" },
                  },
                  this.now,
                ),
              }
            : drainedStep(h, NODE, this.now);
        this.apply(next as Step);
      }
    }
  }

  /**
   * Applies steps until there is nothing to do or a step changes nothing (a blocked drain looks again
   * later), checking after each that at most one live hook holds the node.
   */
  settle(): void {
    for (let i = 0; i < 100; i++) {
      const step = planNode({
        node: NODE,
        view: this.view,
        hooks: [...this.hooks.values()],
        namespace: NS,
        canStart: true,
        now: this.now,
      });
      if (!step) return;
      const before = structuredClone([this.view, [...this.hooks.values()]]);
      this.apply(step);
      if (Bun.deepEquals(before, [this.view, [...this.hooks.values()]])) return;
      const holding = [...this.hooks.values()].filter((h) => holdsNode(h) && !h.status?.phase?.match(/Succeeded|Failed/));
      expect(holding.length).toBeLessThanOrEqual(1);
    }
    throw new Error("no rest after 100 steps");
  }

  stage(name: string): string | undefined {
    return this.hooks.get(name)?.status?.drain?.stage;
  }
}

test("a drain cordons the node, reaches Complete, and after the hook uncordons the node and drops the finalizer", () => {
  const world = new World(node());
  world.add(hook("a"));
  world.settle();
  expect(world.stage("a")).toBe("Complete");
  expect(world.view).toMatchObject({ unschedulable: true, cordonedBy: key("a") });
  world.end("a");
  world.settle();
  expect(world.stage("a")).toBe("Released");
  expect(world.view).toEqual(node());
  expect(world.get("a").metadata.finalizers).toEqual([]);
});

test("two hooks on one node: the second waits, gets the node still cordoned, and only the last uncordons it", () => {
  const world = new World(node());
  world.add(hook("a", { created: 1 }), hook("b", { created: 2 }));
  world.settle();
  expect([world.stage("a"), world.stage("b")]).toEqual(["Complete", "Idle"]);
  world.end("a");
  world.settle();
  expect([world.stage("a"), world.stage("b")]).toEqual(["Released", "Complete"]);
  expect(world.get("a").status?.drain?.message).toBe(`Node ${NODE} stays cordoned for hook ${key("b")}, which drains it next`);
  expect(world.view).toMatchObject({ unschedulable: true, cordonedBy: key("b") });
  world.end("b");
  world.settle();
  expect(world.view).toEqual(node());
});

test("a node cordoned before the drain stays cordoned after it, and carries no annotation of ours", () => {
  const world = new World(node({ unschedulable: true }));
  world.add(hook("a"));
  world.settle();
  expect(world.stage("a")).toBe("Complete");
  world.end("a");
  world.settle();
  expect(world.view).toEqual(node({ unschedulable: true }));
});

test("a PDB that never allows the eviction: Blocked, then Failed with DrainTimeout, and the node uncordoned", () => {
  const world = new World(node());
  world.blockedPods = 1;
  world.add(hook("a", { drain: { timeoutSeconds: 60 } }));
  world.settle();
  expect(world.stage("a")).toBe("Blocked");
  expect(world.get("a").status?.drain).toMatchObject({ blockingPod: "apps/web-1", podsLeft: 1 });
  expect(world.get("a").status?.conditions?.[0]).toMatchObject({ type: "JobCreated", status: "False", reason: "DrainBlocked" });
  world.now = new Date(NOW.getTime() + 61_000);
  world.settle();
  expect(world.get("a").status).toMatchObject({
    phase: "Failed",
    drain: { stage: "Released", message: `Node ${NODE} uncordoned` },
  });
  expect(world.get("a").status?.message).toContain(
    "did not finish within 60 s with 1 pod left; pod apps/web-1: The disruption budget web",
  );
  expect(world.get("a").status?.conditions?.find((c) => c.type === "JobCreated")?.reason).toBe("DrainTimeout");
  expect(world.view).toEqual(node());
});

test("a hook deleted mid-drain uncordons the node and then goes", () => {
  const world = new World(node());
  world.blockedPods = 1;
  world.add(hook("a"));
  world.settle();
  expect(world.view.unschedulable).toBe(true);
  world.remove("a");
  world.settle();
  expect(world.hooks.has("a")).toBe(false);
  expect(world.view).toEqual(node());
});

/** A drained hook whose Job runs: what the node agent writes once it created the Job. */
function jobRuns(world: World, name: string): void {
  const h = world.get(name);
  world.hooks.set(name, { ...h, status: { ...h.status, phase: "Running", jobName: `plexdhook-${name}` } });
}

test.each<[string, DrainNodeView]>([
  ["the node it cordoned is uncordoned, then the hook goes", node()],
  ["a node cordoned before the drain stays cordoned, and the hook goes", node({ unschedulable: true })],
])("a hook deleted while its Job runs after the drain completed: %s", (_, before) => {
  const world = new World(before);
  world.add(hook("a"));
  world.settle();
  expect(world.stage("a")).toBe("Complete");
  expect(world.view.unschedulable).toBe(true);
  jobRuns(world, "a");
  world.settle();
  expect(world.stage("a")).toBe("Complete");
  world.remove("a");
  world.settle();
  expect(world.hooks.has("a")).toBe(false);
  expect(world.view).toEqual(before);
});

test("a hook deleted while waiting for the node leaves the holder's drain alone", () => {
  const world = new World(node());
  world.add(hook("a", { created: 1 }), hook("b", { created: 2 }));
  world.settle();
  world.remove("b");
  world.settle();
  expect(world.hooks.has("b")).toBe(false);
  expect(world.stage("a")).toBe("Complete");
  expect(world.view).toMatchObject({ unschedulable: true, cordonedBy: key("a") });
});
