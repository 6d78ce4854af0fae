// Writes the tables docs/ takes from the code, each between `<!-- NAME:begin -->` and `<!-- NAME:end -->`:
// every command's flags, from the definitions its parser and its --help use. `bun run scripts/docs.ts`.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandFlags } from "../lib/cli/flags.ts";
import { type FlagSpec, flagRows } from "../lib/cli/help.ts";
import { LOGS_FLAGS } from "../lib/cli/run/logs-command.ts";
import { RUN_FLAGS } from "../lib/cli/run/options.ts";

const ROOT = join(import.meta.dir, "..");

/** Which page holds which command's flag table. */
export const FLAG_TABLES: Array<{ page: string; block: string; flags: Record<string, FlagSpec> }> = [
  { page: "docs/usage.md", block: "flags:run", flags: RUN_FLAGS },
  { page: "docs/usage.md", block: "flags:logs", flags: LOGS_FLAGS },
  { page: "docs/operations.md", block: "flags:operator", flags: commandFlags("operator") },
  { page: "docs/operations.md", block: "flags:fleet", flags: commandFlags("fleet") },
  { page: "docs/operations.md", block: "flags:manifests", flags: commandFlags("manifests") },
  { page: "docs/metacontroller.md", block: "flags:webhook", flags: commandFlags("webhook") },
];

/** The text between a block's markers, or undefined when the page has no such block. */
export function blockOf(text: string, block: string): string | undefined {
  const [begin, end] = [`<!-- ${block}:begin -->\n`, `<!-- ${block}:end -->`];
  const start = text.indexOf(begin);
  const stop = text.indexOf(end, start);
  return start < 0 || stop < 0 ? undefined : text.slice(start + begin.length, stop);
}

/** A markdown table of flags; `npm run format` then aligns its columns. */
export function flagTable(flags: Record<string, FlagSpec>): string {
  const rows = flagRows(flags).map(([flag, help]) => `| ${flag} | ${help.replaceAll("|", "\\|")} |`);
  return ["| flag | meaning |", "| --- | --- |", ...rows, ""].join("\n");
}

if (import.meta.main) {
  for (const { page, block, flags } of FLAG_TABLES) {
    const path = join(ROOT, page);
    const text = readFileSync(path, "utf8");
    const old = blockOf(text, block);
    if (old === undefined) throw new Error(`${page} has no <!-- ${block}:begin --> ... <!-- ${block}:end --> block`);
    writeFileSync(path, text.replace(`<!-- ${block}:begin -->\n${old}`, `<!-- ${block}:begin -->\n${flagTable(flags)}`));
  }
  const format = Bun.spawnSync(["npx", "biome", "format", "--write", ...new Set(FLAG_TABLES.map((t) => t.page))], { cwd: ROOT });
  process.exit(format.exitCode);
}
