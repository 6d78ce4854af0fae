// planNode(): the one next step for a node, table-driven over the hooks that drain it and the Node.

import { describe, expect, test } from "bun:test";
import { hook, key, NODE, NOW, NS, node } from "../../../tests/support/drain.ts";
import type { PlexdHook } from "../../core/types.ts";
import type { DrainNodeView } from "./holder.ts";
import { planNode, type Step } from "./plan.ts";

const plan = (hooks: PlexdHook[], view: DrainNodeView | undefined, canStart = true): Step | undefined =>
  planNode({ node: NODE, view, hooks, namespace: NS, canStart, now: NOW });

/** A step as a short line: what it does, to whom, and what it writes. */
function describeStep(step: Step | undefined): string {
  if (!step) return "nothing";
  const who = step.hook?.metadata.name ?? "-";
  switch (step.kind) {
    case "status": {
      const { phase, drain } = step.status;
      return `status ${who} ${phase ?? "-"} ${drain?.stage}: ${drain?.message}`;
    }
    case "patchNode":
      return `patchNode ${who} ${JSON.stringify(step.patch)}`;
    default:
      return `${step.kind} ${who}`;
  }
}

const STARTED = "2026-03-01T11:55:00Z";
const LONG_AGO = "2026-03-01T11:00:00Z";

describe("the holder's way through the stages", () => {
  test.each<[string, PlexdHook[], DrainNodeView | undefined, string]>([
    ["a new hook first gets the finalizer", [hook("a")], node(), "addFinalizer a"],
    [
      "with the finalizer, the drain begins (Cordon)",
      [hook("a", { finalizer: true })],
      node(),
      "status a Pending Cordon: Cordoning node node-a before the hook runs",
    ],
    [
      "in Cordon, a schedulable node is cordoned with the annotation naming the hook",
      [hook("a", { finalizer: true, stage: "Cordon", startedAt: STARTED })],
      node(),
      `patchNode a {"unschedulable":true,"cordonedBy":"${key("a")}"}`,
    ],
    [
      "in Cordon, a node already unschedulable is drained as it is, without the annotation",
      [hook("a", { finalizer: true, stage: "Cordon", startedAt: STARTED })],
      node({ unschedulable: true }),
      "evict a",
    ],
    ["in Drain, pods are evicted", [hook("a", { finalizer: true, stage: "Drain", startedAt: STARTED })], node(), "evict a"],
    [
      "in Blocked past timeoutSeconds, the hook fails (TimedOut)",
      [hook("a", { finalizer: true, stage: "Blocked", startedAt: LONG_AGO, drain: { timeoutSeconds: 60 } })],
      node({ unschedulable: true, cordonedBy: key("a") }),
      "status a Failed TimedOut: Draining node node-a did not finish within 60 s. The hook's Job was not created",
    ],
    [
      "in Complete, nothing until the hook ends",
      [hook("a", { finalizer: true, stage: "Complete", startedAt: STARTED })],
      node({ unschedulable: true, cordonedBy: key("a") }),
      "nothing",
    ],
    ["no step while the Node does not exist", [hook("a", { finalizer: true })], undefined, "nothing"],
    [
      "a hook moved to another node before its Job drains its new node afresh",
      [hook("a", { finalizer: true, stage: "Drain", drainNode: "node-z", startedAt: STARTED })],
      node(),
      "status a Pending Cordon: Cordoning node node-a before the hook runs",
    ],
    [
      "a hook whose Job exists without a drain takes no part",
      [hook("a", { jobName: "plexdhook-a", phase: "Running" })],
      node(),
      "nothing",
    ],
  ])("%s", (_, hooks, view, expected) => {
    expect(describeStep(plan(hooks, view))).toBe(expected);
  });
});

describe("a drain begins only where the hook can then run", () => {
  test("while the node or its agent is not ready, the holder waits and says so, cordoning nothing", () => {
    expect(describeStep(plan([hook("a", { finalizer: true })], node(), false))).toBe(
      "status a Pending Idle: Waiting to drain node node-a: the node or its plexd-hook agent is not ready",
    );
  });

  test("once it said so, nothing more until the node and agent are ready", () => {
    const said = plan([hook("a", { finalizer: true })], node(), false);
    const waiting = { ...hook("a", { finalizer: true }), status: said?.kind === "status" ? said.status : {} };
    expect(describeStep(plan([waiting], node(), false))).toBe("nothing");
    expect(describeStep(plan([waiting], node(), true))).toBe(
      "status a Pending Cordon: Cordoning node node-a before the hook runs",
    );
  });

  test("a drain that began goes on when the agent stops being ready", () => {
    const started = hook("a", { finalizer: true, stage: "Drain", startedAt: "2026-03-01T11:55:00Z" });
    expect(describeStep(plan([started], node({ unschedulable: true }), false))).toBe("evict a");
  });
});

describe("handing the node back when the hook ends", () => {
  const done = (name: string, extra: Parameters<typeof hook>[1] = {}) =>
    hook(name, { finalizer: true, stage: "Complete", startedAt: STARTED, phase: "Succeeded", ...extra });
  const released = (name: string, extra: Parameters<typeof hook>[1] = {}) => done(name, { stage: "Released", ...extra });
  /** Deleted after the drain, while the Job it waited for runs. */
  const deletedRunning = { phase: "Running", jobName: "plexdhook-a", deleting: true } as const;

  test.each<[string, PlexdHook[], DrainNodeView | undefined, string]>([
    [
      "first the status says what will happen",
      [done("a")],
      node({ unschedulable: true, cordonedBy: key("a") }),
      "status a Succeeded Released: Node node-a uncordoned",
    ],
    [
      "then a node we cordoned is uncordoned and loses the annotation",
      [released("a")],
      node({ unschedulable: true, cordonedBy: key("a") }),
      'patchNode a {"unschedulable":false,"cordonedBy":null}',
    ],
    ["then the finalizer goes", [released("a")], node(), "removeFinalizer a"],
    [
      "a node cordoned before the drain stays cordoned",
      [done("a")],
      node({ unschedulable: true }),
      "status a Succeeded Released: Node node-a stays cordoned: it was cordoned before this drain",
    ],
    [
      "with uncordon Never the node stays cordoned and loses the annotation",
      [released("a", { drain: { uncordon: "Never" } })],
      node({ unschedulable: true, cordonedBy: key("a") }),
      'patchNode a {"cordonedBy":null}',
    ],
    [
      "a hook waiting for the node gets it still cordoned",
      [released("a"), hook("b", { created: 5 })],
      node({ unschedulable: true, cordonedBy: key("a") }),
      `patchNode a {"cordonedBy":"${key("b")}"}`,
    ],
    [
      "a failed hook hands the node back too",
      [done("a", { phase: "Failed", stage: "TimedOut" })],
      node({ unschedulable: true, cordonedBy: key("a") }),
      "status a Failed Released: Node node-a uncordoned",
    ],
    [
      "a hook deleted mid-drain hands the node back",
      [hook("a", { finalizer: true, stage: "Drain", startedAt: STARTED, deleting: true })],
      node({ unschedulable: true, cordonedBy: key("a") }),
      "status a - Released: Node node-a uncordoned",
    ],
    [
      "a hook deleted while its Job runs after the drain completed hands back the node it cordoned",
      [done("a", deletedRunning)],
      node({ unschedulable: true, cordonedBy: key("a") }),
      "status a Running Released: Node node-a uncordoned",
    ],
    [
      "then, still deleting, it uncordons the node and removes the annotation",
      [released("a", deletedRunning)],
      node({ unschedulable: true, cordonedBy: key("a") }),
      'patchNode a {"unschedulable":false,"cordonedBy":null}',
    ],
    ["then its finalizer goes", [released("a", deletedRunning)], node(), "removeFinalizer a"],
    [
      "a hook deleted while its Job runs on a node cordoned before the drain leaves the cordon",
      [done("a", deletedRunning)],
      node({ unschedulable: true }),
      "status a Running Released: Node node-a stays cordoned: it was cordoned before this drain",
    ],
    ["and then only loses its finalizer", [released("a", deletedRunning)], node({ unschedulable: true }), "removeFinalizer a"],
    [
      "a hook deleted before its drain began only loses the finalizer",
      [hook("a", { finalizer: true, deleting: true })],
      node(),
      "removeFinalizer a",
    ],
    [
      "a cordon left by a hook that is gone is undone",
      [],
      node({ unschedulable: true, cordonedBy: key("gone") }),
      'patchNode - {"unschedulable":false,"cordonedBy":null}',
    ],
    [
      "a cordon left by a hook that is gone passes to the next hook in line",
      [hook("b")],
      node({ unschedulable: true, cordonedBy: key("gone") }),
      `patchNode b {"cordonedBy":"${key("b")}"}`,
    ],
    [
      "a cordon of another installation (another namespace) is left alone",
      [],
      node({ unschedulable: true, cordonedBy: "elsewhere/x" }),
      "nothing",
    ],
  ])("%s", (_, hooks, view, expected) => {
    expect(describeStep(plan(hooks, view))).toBe(expected);
  });
});

describe("two hooks on one node never interleave", () => {
  test.each<[string, PlexdHook[], DrainNodeView, string]>([
    [
      "the first created holds the node; the second waits, saying for whom",
      [hook("b", { created: 5 }), hook("a", { created: 1 })],
      node(),
      `status b Pending Idle: Waiting to drain node node-a: hook ${key("a")} holds it`,
    ],
    [
      "a hook whose drain began holds the node, even if created later",
      [hook("a", { created: 1 }), hook("b", { created: 5, finalizer: true, stage: "Drain", startedAt: STARTED })],
      node({ unschedulable: true, cordonedBy: key("b") }),
      `status a Pending Idle: Waiting to drain node node-a: hook ${key("b")} holds it`,
    ],
    [
      "the hook our annotation names holds the node (it was handed over)",
      [hook("a", { created: 1, stage: "Idle" }), hook("b", { created: 5, stage: "Idle" })],
      node({ unschedulable: true, cordonedBy: key("b") }),
      `status a Pending Idle: Waiting to drain node node-a: hook ${key("b")} holds it`,
    ],
    [
      "once the waiting hook says so, the holder moves on",
      [
        hook("a", { created: 1, finalizer: true }),
        {
          ...hook("b", { created: 5 }),
          status: {
            phase: "Pending",
            drain: { stage: "Idle", nodeName: NODE, message: `Waiting to drain node node-a: hook ${key("a")} holds it` },
          },
        },
      ],
      node(),
      "status a Pending Cordon: Cordoning node node-a before the hook runs",
    ],
  ])("%s", (_, hooks, view, expected) => {
    expect(describeStep(plan(hooks, view))).toBe(expected);
  });
});
