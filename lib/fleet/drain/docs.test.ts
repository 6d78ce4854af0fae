// docs/drain.md states what the code defines: the stages, the defaults, the names and the messages it shows.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { at } from "../../../tests/support/crd.ts";
import { ANNOTATION_CORDONED_BY, DRAIN_FINALIZER } from "../../constants.ts";
import * as reasons from "../../core/reasons.ts";
import { DRAIN_STAGES, type PlexdHook } from "../../core/types.ts";
import { completeStatus, cordonStatus, drainingStatus } from "./stages.ts";

const doc = readFileSync(new URL("../../../docs/drain.md", import.meta.url), "utf8");

test("the stages table lists every stage, in order", () => {
  const rows = [...doc.matchAll(/^\| `(\w+)`\s+\|/gm)].map((m) => m[1]).filter((s) => DRAIN_STAGES.includes(s as never));
  expect(rows).toEqual([...DRAIN_STAGES]);
});

test("the example's defaults are the CRD's", () => {
  expect(doc).toContain(`timeoutSeconds: 900 # default ${at("spec.drain.timeoutSeconds").default}`);
  expect(doc).toContain(`deleteEmptyDirData: false # default ${at("spec.drain.deleteEmptyDirData").default}`);
  expect(doc).toContain(`uncordon: IfCordonedByUs # or Never; default ${at("spec.drain.uncordon").default}`);
});

test("the annotation, the finalizer and the Event reasons are the code's", () => {
  expect(doc).toContain(`${ANNOTATION_CORDONED_BY}: <namespace>/<hook>`);
  expect(doc).toContain(`finalizer \`${DRAIN_FINALIZER}\``);
  for (const reason of ["Cordoned", "DrainBlocked", "Drained", "Uncordoned", "DrainTimeout"]) {
    expect(Object.values(reasons) as string[]).toContain(reason);
    expect(doc).toContain(`\`${reason}\``);
  }
});

test("the messages in the example are the ones the stages write", () => {
  const hook: PlexdHook = {
    metadata: { name: "kernel-update", namespace: "plexd-system", uid: "u" },
    spec: { hookName: "kernel-update", nodeName: "worker-3", drain: { enabled: true } },
  };
  const now = new Date();
  const why = "The disruption budget db needs 2 healthy pods and has 2 currently";
  for (const status of [
    cordonStatus(hook, "worker-3", now),
    drainingStatus(hook, "worker-3", { podsLeft: 7 }, now),
    drainingStatus(hook, "worker-3", { podsLeft: 2, blocking: { pod: "shop/db-0", why } }, now),
    drainingStatus(hook, "worker-3", { podsLeft: 1 }, now),
    completeStatus(hook, "worker-3", now),
  ]) {
    expect(doc).toContain(`${status.drain?.stage.padEnd(10)} ${status.message}`);
  }
});
