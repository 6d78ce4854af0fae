// The live fan-out table: node, phase, exit code, duration; redrawn in place on a terminal.

import { formatElapsed, type Writer } from "./render.ts";

export interface Row {
  node: string;
  /** Waiting (not started), Skipped (not started after the failure budget ran out), or the hook's phase. */
  phase: string;
  exitCode?: number;
  startedAt?: number;
  endedAt?: number;
}

const HEADERS = ["NODE", "PHASE", "EXIT", "DURATION"] as const;

/** @internal The table as lines, columns padded to the widest cell. Durations of running rows count up to `now`. */
export function tableLines(rows: readonly Row[], now: number): string[] {
  const cells = rows.map((row) => [
    row.node,
    row.phase,
    row.exitCode === undefined ? "" : String(row.exitCode),
    row.startedAt === undefined ? "" : formatElapsed((row.endedAt ?? now) - row.startedAt),
  ]);
  const all = [[...HEADERS], ...cells];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((line) => (line[i] as string).length)));
  return all.map((line) =>
    line
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd(),
  );
}

/** On a terminal: redraws the whole table in place. Otherwise: one line per row change, and the table at the end. */
export function createTable(writer: Writer, tty: boolean, now: () => number) {
  let drawnLines = 0;
  const last = new Map<string, string>();
  return {
    update(rows: readonly Row[]): void {
      if (tty) {
        const lines = tableLines(rows, now());
        const up = drawnLines > 0 ? `\x1b[${drawnLines}A` : "";
        writer.write(`${up}${lines.map((line) => `\r\x1b[2K${line}`).join("\n")}\n`);
        drawnLines = lines.length;
        return;
      }
      for (const row of rows) {
        const said = `${row.phase}${row.exitCode === undefined ? "" : ` (exit ${row.exitCode})`}`;
        if (last.get(row.node) === said || row.phase === "Waiting") continue;
        last.set(row.node, said);
        writer.write(`${row.node}: ${said}\n`);
      }
    },
    /** The final table; on a terminal it replaces the live one. */
    finish(rows: readonly Row[]): void {
      if (tty) this.update(rows);
      else writer.write(`${tableLines(rows, now()).join("\n")}\n`);
    },
  };
}
