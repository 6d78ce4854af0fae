import { describe, expect, test } from "bun:test";
import { configErrorSummary, configRefs, missingRefMessage, refFromKubeletMessage } from "./config-refs.ts";
import type { PlexdHook } from "./types.ts";

const hook: PlexdHook = {
  metadata: { name: "h", namespace: "ops", uid: "u1" },
  spec: {
    hookName: "h",
    parameters: [
      { name: "plain", value: "x" },
      { name: "password", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } },
      { name: "level", valueFrom: { configMapKeyRef: { name: "settings", key: "level" } } },
      { name: "extra", valueFrom: { configMapKeyRef: { name: "maybe", key: "k", optional: true } } },
    ],
  },
};

describe("configRefs()", () => {
  test("lists the keys valueFrom parameters read, in the hook's namespace and spec order", () => {
    expect(configRefs(hook)).toEqual([
      { kind: "Secret", namespace: "ops", name: "db", key: "pw", optional: false, parameter: "password" },
      { kind: "ConfigMap", namespace: "ops", name: "settings", key: "level", optional: false, parameter: "level" },
      { kind: "ConfigMap", namespace: "ops", name: "maybe", key: "k", optional: true, parameter: "extra" },
    ]);
  });
});

describe("refFromKubeletMessage()", () => {
  // The kubelet's CreateContainerConfigError messages, as pkg/kubelet words them.
  test.each([
    ['secret "db" not found', "Secret ops/db does not exist (parameter password reads its key pw)"],
    ['configmap "settings" not found', "ConfigMap ops/settings does not exist (parameter level reads its key level)"],
    ["couldn't find key pw in Secret ops/db", "Secret ops/db has no key pw (read by parameter password)"],
    ["couldn't find key level in ConfigMap ops/settings", "ConfigMap ops/settings has no key level (read by parameter level)"],
  ])("maps %p to the parameter: %p", (kubelet, expected) => {
    expect(refFromKubeletMessage(hook, kubelet)).toBe(expected);
  });

  test("leaves messages about other objects, optional references and other errors alone", () => {
    expect(refFromKubeletMessage(hook, 'secret "other" not found')).toBeUndefined();
    expect(refFromKubeletMessage(hook, 'configmap "maybe" not found')).toBeUndefined();
    expect(refFromKubeletMessage(hook, "container has runAsNonRoot and image will run as root")).toBeUndefined();
  });

  test("uses the same words as the webhook's check", () => {
    const [secret] = configRefs(hook);
    expect(refFromKubeletMessage(hook, 'secret "db" not found')).toBe(missingRefMessage(secret!, "object"));
  });
});

describe("configErrorSummary()", () => {
  const pod = (reason: string, message: string) => ({
    metadata: { name: "p" },
    status: {
      containerStatuses: [
        { name: "hook", image: "i", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message } } },
      ],
    },
  });

  test("names the parameter's Secret when the pod waits in CreateContainerConfigError", () => {
    expect(configErrorSummary(hook, [pod("CreateContainerConfigError", 'secret "db" not found')])).toBe(
      "Secret ops/db does not exist (parameter password reads its key pw)",
    );
  });

  test("says nothing for other waiting reasons", () => {
    expect(configErrorSummary(hook, [pod("ImagePullBackOff", 'secret "db" not found')])).toBeUndefined();
    expect(configErrorSummary(hook, [])).toBeUndefined();
  });
});
