import { describe, expect, test } from "bun:test";
import { UsageError } from "../flags.ts";
import { parseDuration, parseRunArgs } from "./options.ts";

describe("parseRunArgs()", () => {
  test("takes NODE, flags, and everything after -- as the command, untouched", () => {
    const request = parseRunArgs([
      "node-a",
      "--image",
      "alpine:3.19",
      "--param",
      "disk=/dev/sda1",
      "--param",
      "x=a=b",
      "--timeout",
      "2m",
      "-n",
      "ops",
      "--rm",
      "--",
      "df",
      "-h",
      "--",
      "/",
    ]);
    expect(request).toMatchObject({
      node: "node-a",
      image: "alpine:3.19",
      params: [
        { name: "disk", value: "/dev/sda1" },
        { name: "x", value: "a=b" },
      ],
      timeoutSeconds: 120,
      namespace: "ops",
      rm: true,
      detach: false,
      command: ["df", "-h", "--", "/"],
    });
  });

  test("reads a fan-out with its limits", () => {
    expect(parseRunArgs(["-l", "pool=a", "--max-parallel", "2", "--max-failures", "1", "--", "true"])).toMatchObject({
      node: undefined,
      selector: "pool=a",
      maxParallel: 2,
      maxFailures: 1,
    });
  });

  test("reads --param-from-secret as a Secret name and key", () => {
    expect(parseRunArgs(["n", "--param-from-secret", "token=api-creds/token.txt"]).secretParams).toEqual([
      { name: "token", secret: "api-creds", key: "token.txt" },
    ]);
  });

  const refused: Array<[string, string[], RegExp]> = [
    ["no node and no selector", ["--", "true"], /Name a NODE or pass --selector/],
    ["both a node and a selector", ["n", "-l", "a=b"], /either a NODE or --selector/],
    ["a second positional", ["n", "df"], /Unexpected argument: df \(put the command after --\)/],
    ["limits without a selector", ["n", "--max-parallel", "2"], /need --selector/],
    ["a zero --max-parallel", ["-l", "a=b", "--max-parallel", "0"], /Invalid --max-parallel: 0/],
    ["--keep-output above 100", ["n", "--keep-output", "101"], /Invalid --keep-output: 101 \(a whole number from 1 to 100\)/],
    ["a parameter without =", ["n", "--param", "x"], /Invalid --param: x \(NAME=VALUE\)/],
    ["a secret reference without a key", ["n", "--param-from-secret", "t=creds"], /NAME=SECRET\/KEY/],
    ["--detach with --rm", ["n", "-d", "--rm"], /--detach and --rm/],
    ["an unknown flag", ["n", "--nope"], /Unknown option '--nope'/],
  ];
  test.each(refused)("refuses %s with one clear line", (_, argv, message) => {
    expect(() => parseRunArgs(argv)).toThrow(UsageError);
    expect(() => parseRunArgs(argv)).toThrow(message);
  });
});

describe("parseDuration()", () => {
  const cases: Array<[string, number]> = [
    ["90", 90],
    ["90s", 90],
    ["5m", 300],
    ["1h30m", 5400],
  ];
  test.each(cases)("reads %p as %p seconds", (text, seconds) => expect(parseDuration("timeout", text)).toBe(seconds));
  test.each(["0", "5x", "", "-1", "1.5m"])("refuses %p", (text) =>
    expect(() => parseDuration("timeout", text)).toThrow(UsageError),
  );
});
