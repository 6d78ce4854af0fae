import { describe, expect, test } from "bun:test";
import { commandFlags, commandHelp, helpText } from "./flags.ts";
import { columns, flagLines, flagRows } from "./help.ts";
import { rolloutHelp } from "./rollout/command.ts";
import { runHelp } from "./run/command.ts";
import { logsHelp } from "./run/logs-command.ts";

/** The column where each flag's description starts, in the lines of a help's Flags section. */
function descriptionColumns(help: string): number[] {
  const flags = help.split("\nFlags:\n")[1]?.split("\n\n")[0]?.split("\n") ?? [];
  return flags.filter((line) => line !== "").map((line) => line.search(/\S {3,}\S/) + line.match(/\S {3,}/)![0].length);
}

describe("flagLines()", () => {
  test("aligns descriptions three spaces past the longest flag, with long-only flags indented past -x, ", () => {
    expect(
      flagLines({
        "unclaimed-after": { type: "string", arg: "SECONDS", help: "a" },
        help: { type: "boolean", short: "h", help: "b" },
      }),
    ).toEqual(["      --unclaimed-after SECONDS   a", "  -h, --help                      b"]);
  });

  test("leaves out the indent when no flag has a short form", () => {
    expect(flagLines({ all: { type: "boolean", help: "x" } })).toEqual(["  --all   x"]);
  });
});

test("flagRows() gives the docs table's cells: the flag with its value's name in code, then its help", () => {
  expect(flagRows({ namespace: { type: "string", short: "n", arg: "NAME", help: "where" } })).toEqual([
    ["`-n, --namespace NAME`", "where"],
  ]);
});

test("columns() aligns names and descriptions", () => {
  expect(
    columns([
      ["run", "a"],
      ["manifests", "b"],
    ]),
  ).toEqual(["  run         a", "  manifests   b"]);
});

describe("every command's help", () => {
  const helps: Record<string, string> = {
    top: helpText("1.0"),
    operator: commandHelp("operator"),
    fleet: commandHelp("fleet"),
    webhook: commandHelp("webhook"),
    manifests: commandHelp("manifests"),
    run: runHelp("kubectl plexd"),
    logs: logsHelp("kubectl plexd"),
    rollout: rolloutHelp("kubectl plexd"),
  };
  test.each(Object.keys(helps))("%s: the flags' descriptions start in one column, never run into the flag", (name) => {
    const starts = descriptionColumns(helps[name] as string);
    expect(starts.length).toBeGreaterThan(0);
    expect(new Set(starts).size).toBe(1);
  });

  test.each(["operator", "fleet", "webhook", "manifests"] as const)("%s --help lists exactly its own flags", (command) => {
    const listed = [...(helps[command] as string).matchAll(/--([a-z-]+)/g)].map(([, name]) => name);
    const flags = (helps[command] as string).split("\nFlags:\n")[1] as string;
    const inFlags = [...flags.matchAll(/^ {2}(?:-\w, )? *--([a-z-]+)/gm)].map(([, name]) => name);
    expect(inFlags).toEqual(Object.keys(commandFlags(command)));
    expect(listed.length).toBeGreaterThan(0);
  });
});
