// How every command prints its flags: one line each, descriptions in one column, as cobra-based tools do.

/** A flag as node:util's parseArgs takes it, with what help shows: its value's name and a description. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  arg?: string;
  help: string;
}

/** `-n, --namespace NAME`, or `    --all-nodes` beside flags that have a short form. */
function flagUsage(name: string, flag: FlagSpec, indentLong = false): string {
  const short = flag.short ? `-${flag.short}, ` : indentLong ? "    " : "";
  return `${short}--${name}${flag.arg ? ` ${flag.arg}` : ""}`;
}

/** The help lines of a set of flags: `  --flag VALUE   description`, the descriptions aligned. */
export function flagLines(flags: Record<string, FlagSpec>): string[] {
  const entries = Object.entries(flags);
  const indentLong = entries.some(([, flag]) => flag.short);
  const usages = entries.map(([name, flag]) => flagUsage(name, flag, indentLong));
  const width = Math.max(...usages.map((u) => u.length)) + 3;
  return entries.map(([, flag], i) => `  ${(usages[i] as string).padEnd(width)}${flag.help}`);
}

/** The rows of a docs table of these flags: the flag in code format, then its description. */
export function flagRows(flags: Record<string, FlagSpec>): Array<[string, string]> {
  return Object.entries(flags).map(([name, flag]) => [`\`${flagUsage(name, flag)}\``, flag.help]);
}

/** Lines of `  name   description`, the descriptions aligned (a help's command list). */
export function columns(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([name]) => name.length)) + 3;
  return rows.map(([name, text]) => `  ${name.padEnd(width)}${text}`);
}
