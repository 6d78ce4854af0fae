import { describe, expect, test } from "bun:test";
import { main } from "../../main.ts";
import { commandFlags } from "./flags.ts";
import { columns, flagLines, flagRows } from "./help.ts";
import { programFor } from "./plugin.ts";

/** What `plexd-hook ARGS` (or `kubectl plexd ARGS`) prints on stdout. */
async function stdout(args: string[], program = "plexd-hook"): Promise<string> {
  let out = "";
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
  await main(args, {}, io, new AbortController().signal, programFor(program));
  return out;
}

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

/** Every command's --help, as main() prints it. */
const helps: Record<string, string> = {
  top: await stdout(["--help"]),
  operator: await stdout(["operator", "--help"]),
  fleet: await stdout(["fleet", "--help"]),
  webhook: await stdout(["webhook", "--help"]),
  manifests: await stdout(["manifests", "--help"]),
  run: await stdout(["run", "--help"], "kubectl-plexd"),
  logs: await stdout(["logs", "--help"], "kubectl-plexd"),
  rollout: await stdout(["rollout", "--help"], "kubectl-plexd"),
};

describe("every command's help", () => {
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
