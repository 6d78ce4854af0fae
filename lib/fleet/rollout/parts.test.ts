// The rollout core's small parts: label selectors, counts and durations, the run order and segments, hook names.

import { describe, expect, test } from "bun:test";
import { rollout } from "../../../tests/support/rollout.ts";
import { matchesSelector } from "../../core/label-selector.ts";
import { buildRolloutHook, ownedBy, rolloutHookName } from "./hook.ts";
import { runOrder, segments } from "./order.ts";
import { durationMs, resolveCount } from "./quantity.ts";
import { parseSelector, selectorText } from "./selector.ts";

describe("matchesSelector()", () => {
  const labels = { zone: "z1", role: "worker" };
  test.each([
    [{}, true],
    [{ matchLabels: { zone: "z1" } }, true],
    [{ matchLabels: { zone: "z2" } }, false],
    [{ matchExpressions: [{ key: "zone", operator: "In" as const, values: ["z1", "z2"] }] }, true],
    [{ matchExpressions: [{ key: "zone", operator: "NotIn" as const, values: ["z1"] }] }, false],
    [{ matchExpressions: [{ key: "gpu", operator: "NotIn" as const, values: ["yes"] }] }, true],
    [{ matchExpressions: [{ key: "role", operator: "Exists" as const }] }, true],
    [{ matchExpressions: [{ key: "role", operator: "DoesNotExist" as const }] }, false],
    [{ matchLabels: { zone: "z1" }, matchExpressions: [{ key: "gpu", operator: "Exists" as const }] }, false],
  ])("%j matches zone=z1,role=worker: %p", (selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  test("selectorText() writes kubectl's -l syntax", () => {
    expect(
      selectorText({
        matchLabels: { a: "b" },
        matchExpressions: [
          { key: "z", operator: "In", values: ["1", "2"] },
          { key: "x", operator: "Exists" },
          { key: "y", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("a=b,z in (1,2),x,!y");
  });
});

describe("resolveCount() and durationMs()", () => {
  test.each([
    [undefined, 10, 1],
    [3, 10, 3],
    ["25%", 10, 2],
    ["5%", 10, 1],
    ["100%", 7, 7],
  ])("%p of %d nodes is %d (at least 1, rounded down)", (value, total, expected) => {
    expect(resolveCount(value, total, 1, 1)).toBe(expected);
  });

  test("a failure budget may round down to 0", () => {
    expect(resolveCount("10%", 5, 0, 0)).toBe(0);
  });

  test.each([
    ["4h", 4 * 3600_000],
    ["1h30m", 5400_000],
    ["45s", 45_000],
    ["0s", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  test.each(["", "1d", "5 %"])("%p is a RangeError", (text) => {
    expect(() => (text.endsWith("%") ? resolveCount(text, 1, 0, 0) : durationMs(text))).toThrow(RangeError);
  });
});

describe("runOrder() and segments()", () => {
  const zone: Record<string, string> = { a: "z2", b: "z1", c: "z1", d: "", e: "z2" };
  const partitionOf = (n: string): string => zone[n] ?? "";

  test("partitions in order of value, unlabelled nodes last, names within", () => {
    expect(runOrder(["e", "d", "c", "b", "a"], partitionOf)).toEqual(["b", "c", "a", "e", "d"]);
  });

  test("a batch ends where a partition ends, and the ramp goes on in the next", () => {
    const ordered = runOrder(["a", "b", "c", "d", "e"], partitionOf);
    expect(segments(ordered, partitionOf, [1, 5], 5).map((s) => [s.partition, s.nodes])).toEqual([
      ["z1", ["b"]],
      ["z1", ["c"]],
      ["z2", ["a", "e"]],
      ["", ["d"]],
    ]);
  });

  test("without batches or partitions, one segment", () => {
    expect(segments(["a", "b", "c"], () => "", undefined, 3)).toEqual([{ partition: "", nodes: ["a", "b", "c"] }]);
  });
});

describe("the rollout's hooks", () => {
  test("are named <rollout>-<node>, shortened with a hash past 253 characters", () => {
    expect(rolloutHookName("upgrade", "node-a")).toBe("upgrade-node-a");
    const long = rolloutHookName("r", "n".repeat(300));
    expect(long.length).toBe(253);
    expect(long).not.toBe(rolloutHookName("r", `${"n".repeat(299)}m`));
  });

  test("carry the template, the node, the rollout label and a controller owner reference to it", () => {
    const subject = rollout({ template: { hookName: "t", privileged: true } });
    const hook = buildRolloutHook(subject, "node-a");
    expect(hook.metadata).toEqual({
      name: "r-node-a",
      namespace: "ns",
      labels: { "plexd.plexsphere.com/rollout": "r" },
      ownerReferences: [
        {
          apiVersion: "plexd.plexsphere.com/v1alpha1",
          kind: "PlexdRollout",
          name: "r",
          uid: "uid-r",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(hook.spec).toEqual({ hookName: "t", privileged: true, nodeName: "node-a" });
    expect(ownedBy({ ...hook, metadata: { ...hook.metadata, uid: "h" } } as any, subject)).toBe(true);
    expect(ownedBy({ ...hook, metadata: { ...hook.metadata, uid: "h", ownerReferences: [] } } as any, subject)).toBe(false);
  });
});

describe("parseSelector()", () => {
  test.each([
    ["type=kwok", { matchLabels: { type: "kwok" } }],
    ["a==b,c=d", { matchLabels: { a: "b", c: "d" } }],
    ["node-role.kubernetes.io/worker=", { matchLabels: { "node-role.kubernetes.io/worker": "" } }],
    [
      "zone in (z1, z2),tier!=db",
      {
        matchExpressions: [
          { key: "zone", operator: "In", values: ["z1", "z2"] },
          { key: "tier", operator: "NotIn", values: ["db"] },
        ],
      },
    ],
    [
      "gpu,!spot",
      {
        matchExpressions: [
          { key: "gpu", operator: "Exists" },
          { key: "spot", operator: "DoesNotExist" },
        ],
      },
    ],
    ["x notin (a)", { matchExpressions: [{ key: "x", operator: "NotIn", values: ["a"] }] }],
  ])("%p", (text, selector) => {
    expect(parseSelector(text)).toEqual(selector as any);
  });

  test("selectorText() reads back what parseSelector() read", () => {
    const text = "a=b,z in (1,2),x,!y";
    expect(selectorText(parseSelector(text))).toBe(text);
  });

  test.each(["", "a=b=c", "!a=b", "a in b"])("%p is a RangeError", (text) => {
    expect(() => parseSelector(text)).toThrow(RangeError);
  });
});
