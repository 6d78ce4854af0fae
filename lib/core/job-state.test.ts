import { describe, expect, test } from "bun:test";
import { creating, failedCreate, failedPod, unpullable, unschedulable } from "../../tests/support/pods.ts";
import { createFailure, exitSummary, pendingSummary } from "./job-state.ts";
import type { Pod } from "./types.ts";

describe("exitSummary() says how a pod ended", () => {
  test("exitSummary() names the container, pod and exit code", () => {
    expect(exitSummary([failedPod])).toBe("container hook in pod plexdhook-h-abcde exited with code 3 (Error)");
  });

  test("exitSummary() ignores pods that exited 0", () => {
    const ok = structuredClone(failedPod);
    ok.status!.containerStatuses![0]!.state!.terminated!.exitCode = 0;
    expect(exitSummary([ok])).toBeUndefined();
  });
});

describe("pendingSummary() says why a pod does not start", () => {
  const cases: Array<[string, Pod[], string | undefined]> = [
    [
      "an unschedulable pod",
      [unschedulable],
      "pod p1 cannot be scheduled: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    ],
    [
      "a pod pinned to a node whose hostname label differs",
      [{ ...unschedulable, spec: { containers: [], nodeSelector: { "kubernetes.io/hostname": "node-a" } } }],
      "pod p1 cannot be scheduled: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.; the Job is pinned with the nodeSelector kubernetes.io/hostname=node-a: check that node node-a carries that label (a node whose label differs from its name cannot be targeted by name)",
    ],
    [
      "an image that cannot be pulled",
      [unpullable],
      'container hook in pod p2 is waiting: ImagePullBackOff: Back-off pulling image "x"',
    ],
    ["a container being created is normal", [creating], undefined],
    ["no pods yet", [], undefined],
  ];
  test.each(cases)("pendingSummary(): %s", (_name, pods, expected) => {
    expect(pendingSummary(pods)).toBe(expected);
  });
});

describe("createFailure() says why a Job has no pod", () => {
  test("createFailure() picks the latest FailedCreate message", () => {
    const events = [
      failedCreate("old reason", "2026-11-22T09:00:00Z"),
      failedCreate(
        'pods "p" is forbidden: error looking up service account ns/plexd: serviceaccount "plexd" not found',
        "2026-11-22T09:05:00Z",
      ),
    ];
    expect(createFailure(events)).toBe(
      'the Job cannot create its pod: pods "p" is forbidden: error looking up service account ns/plexd: serviceaccount "plexd" not found',
    );
    expect(createFailure([])).toBeUndefined();
  });
});
