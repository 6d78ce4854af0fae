import { describe, expect, test } from "bun:test";
import { buildRunHook, hookNameFor, hookResourceName, newRunId } from "./hook.ts";
import { parseRunArgs } from "./options.ts";

describe("buildRunHook()", () => {
  test("aims the hook at the node, labels it with the run id and maps every flag to the spec", () => {
    const request = parseRunArgs([
      "node-a",
      "--image=alpine:3.19",
      "--privileged",
      "--param=disk=/dev/sda1",
      "--param-from-secret=token=creds/t",
      "--timeout=30s",
      "--keep-output=20",
      "--",
      "/bin/df",
      "-h",
    ]);
    expect(buildRunHook(request, "node-a", "x7k2p", "ops")).toEqual({
      apiVersion: "plexd.plexsphere.com/v1alpha1",
      kind: "PlexdHook",
      metadata: { name: "run-x7k2p-node-a", namespace: "ops", labels: { "plexd.plexsphere.com/run-id": "x7k2p" } },
      spec: {
        hookName: "df",
        nodeName: "node-a",
        jobTemplate: { image: "alpine:3.19", command: ["/bin/df"], args: ["-h"] },
        parameters: [
          { name: "disk", value: "/dev/sda1" },
          { name: "token", valueFrom: { secretKeyRef: { name: "creds", key: "t" } } },
        ],
        privileged: true,
        activeDeadlineSeconds: 30,
        output: { tailLines: 20 },
      },
    });
  });

  test("leaves out what was not asked for, so the CRD's defaults apply", () => {
    const hook = buildRunHook(parseRunArgs(["node-a"]), "node-a", "x7k2p", "plexd-system");
    expect(hook.spec).toEqual({ hookName: "run", nodeName: "node-a" });
  });
});

describe("hookResourceName()", () => {
  const cases: Array<[string, { name?: string; selector?: string }, string, string]> = [
    ["a generated name", {}, "node-a", "run-abcde-node-a"],
    ["--name for one node", { name: "disk-check" }, "node-a", "disk-check"],
    ["--name as the prefix of a fan-out", { name: "upgrade-7", selector: "a=b" }, "node-b", "upgrade-7-node-b"],
  ];
  test.each(cases)("gives %p", (_, request, node, want) => expect(hookResourceName(request, "abcde", node)).toBe(want));

  test("shortens a name over 63 characters with a hash, stable and distinct per node", () => {
    const long = `${"n".repeat(70)}.example.com`;
    const a = hookResourceName({}, "abcde", long);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^run-abcde-n+-[0-9a-f]{10}$/);
    expect(hookResourceName({}, "abcde", long)).toBe(a);
    expect(hookResourceName({}, "abcde", `${long}x`)).not.toBe(a);
  });
});

describe("hookNameFor()", () => {
  const cases: Array<[string[], string]> = [
    [["df", "-h"], "df"],
    [["/usr/local/bin/upgrade.sh"], "upgrade.sh"],
    [["/bin/sh", "-c", "x"], "sh"],
    [[], "run"],
    [["--weird--"], "weird"],
    [["!!!"], "run"],
  ];
  test.each(cases)("names %p %p", (command, want) => expect(hookNameFor(command)).toBe(want));
});

test("newRunId() gives five characters from an alphabet without vowels", () => {
  expect(newRunId(() => 0)).toBe("bbbbb");
  expect(newRunId()).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});
