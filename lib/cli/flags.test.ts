import { describe, expect, test } from "bun:test";
import { parseCli } from "./flags.ts";

describe("parseCli()", () => {
  const cases: Array<[string, string[], Record<string, string>, Record<string, unknown>]> = [
    [
      "defaults",
      [],
      {},
      {
        command: "operator",
        namespace: "plexd-system",
        nodeName: "",
        allNodes: false,
        healthAddr: ":8081",
        logLevel: "info",
        logFormat: "json",
      },
    ],
    ["node name from NODE_NAME", [], { NODE_NAME: "n1" }, { nodeName: "n1" }],
    ["--node-name wins over NODE_NAME", ["--node-name", "n2"], { NODE_NAME: "n1" }, { nodeName: "n2" }],
    ["cluster mode", ["--all-nodes"], {}, { allNodes: true }],
    [
      "every flag",
      [
        "--kubeconfig",
        "k",
        "--context",
        "c",
        "--namespace",
        "ns",
        "--log-level",
        "debug",
        "--log-format",
        "text",
        "--workers",
        "4",
        "--health-addr",
        "",
      ],
      {},
      { kubeconfig: "k", context: "c", namespace: "ns", logLevel: "debug", logFormat: "text", workers: 4, healthAddr: "" },
    ],
    ["manifests command", ["manifests", "--image", "r/i:1"], {}, { command: "manifests", image: "r/i:1" }],
  ];
  test.each(cases)("parseCli(): %s", (_name, argv, env, expected) => {
    expect(parseCli(argv, env)).toMatchObject(expected);
  });

  const bad: Array<[string[], string]> = [
    [["--bogus"], "Unknown option '--bogus'"],
    [["--log-level", "loud"], "Invalid --log-level: loud"],
    [["--log-format", "xml"], "Invalid --log-format: xml"],
    [["--workers", "0"], "Invalid --workers: 0"],
    [["fleet", "--unclaimed-after", "soon"], "Invalid --unclaimed-after: soon"],
    [["--unclaimed-after", "5"], "--unclaimed-after is a flag of fleet, not of operator (the command when none is named)"],
    [["manifests", "--node-name", "a"], "--node-name is a flag of operator, not of manifests"],
    [["webhook", "--kubeconfig", "k"], "--kubeconfig is a flag of operator and fleet, not of webhook"],
    [["frobnicate"], "Unknown command: frobnicate"],
  ];
  test.each(bad)("parseCli(%p) refuses with a clear message", (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(message);
  });
});
