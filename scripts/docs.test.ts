// The flag tables in docs/ say what the commands' own flag definitions say: a flag added, renamed or
// reworded without `bun run scripts/docs.ts` fails here.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { flagRows } from "../lib/cli/help.ts";
import { blockOf, FLAG_TABLES, flagTable } from "./docs.ts";

const ROOT = join(import.meta.dir, "..");

/** A markdown table's rows, cells trimmed, header and rule dropped. */
const rows = (table: string): string[][] =>
  table
    .trim()
    .split("\n")
    .slice(2)
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim().replaceAll("\\|", "|")),
    );

test.each(FLAG_TABLES.map((t) => [t.block, t.page, t.flags] as const))(
  "the %s table in %s lists the command's flags as its definitions do (else: bun run scripts/docs.ts)",
  (block, page, flags) => {
    const table = blockOf(readFileSync(join(ROOT, page), "utf8"), block);
    expect(table).toBeDefined();
    expect(rows(table as string)).toEqual(flagRows(flags));
  },
);

test("flagTable() writes a header, a rule and one row per flag", () => {
  expect(flagTable({ rm: { type: "boolean", help: "a | b" } })).toBe("| flag | meaning |\n| --- | --- |\n| `--rm` | a \\| b |\n");
});
