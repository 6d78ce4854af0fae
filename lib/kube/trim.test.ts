import { describe, expect, test } from "bun:test";
import { trim } from "./trim.ts";

describe("trim()", () => {
  test("trim() drops managedFields and kubectl's last-applied copy, and keeps every other annotation", () => {
    const object = {
      metadata: {
        name: "a",
        managedFields: [{ manager: "kubectl" }],
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", keep: "me" },
      },
      spec: { hookName: "x" },
    };
    expect(trim(object) as unknown).toEqual({ metadata: { name: "a", annotations: { keep: "me" } }, spec: { hookName: "x" } });
  });

  test("trim() removes an annotations map left empty", () => {
    const object = { metadata: { name: "a", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } } };
    expect(trim(object) as unknown).toEqual({ metadata: { name: "a" } });
  });
});
