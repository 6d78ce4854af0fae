// drainAllowsJob(): a draining hook's Job waits for the Complete stage.

import { expect, test } from "bun:test";
import { drainAllowsJob } from "./drain.ts";
import type { DrainStage, PlexdHook } from "./types.ts";

function hook(drain: PlexdHook["spec"]["drain"], stage?: DrainStage): PlexdHook {
  return {
    metadata: { name: "h", namespace: "ns", uid: "u" },
    spec: { hookName: "h", nodeName: "n", ...(drain && { drain }) },
    ...(stage && { status: { drain: { stage } } }),
  };
}

test.each<[string, PlexdHook["spec"]["drain"], DrainStage | undefined, boolean]>([
  ["no drain", undefined, undefined, true],
  ["drain disabled", { enabled: false }, undefined, true],
  ["drain enabled, not started", { enabled: true }, undefined, false],
  ["drain enabled, Idle", { enabled: true }, "Idle", false],
  ["drain enabled, Cordon", { enabled: true }, "Cordon", false],
  ["drain enabled, Drain", { enabled: true }, "Drain", false],
  ["drain enabled, Blocked", { enabled: true }, "Blocked", false],
  ["drain enabled, Complete", { enabled: true }, "Complete", true],
  ["drain enabled, TimedOut", { enabled: true }, "TimedOut", false],
  ["drain enabled, Released", { enabled: true }, "Released", false],
])("drainAllowsJob() with %s: %p", (_, drain, stage, allowed) => {
  expect(drainAllowsJob(hook(drain, stage))).toBe(allowed);
});
