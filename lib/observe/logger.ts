// The pino logger: JSON lines by default, plain text for people; every line carries the component.

import { type DestinationStream, type Logger, pino } from "pino";
import { LOG_COMPONENT } from "../constants.ts";

export type LogFormat = "json" | "text";
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function textStream(out: { write(s: string): unknown }): DestinationStream {
  const skip = new Set(["level", "time", "msg", "pid", "hostname"]);
  return {
    write(line: string) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const fields = Object.entries(entry)
        .filter(([key]) => !skip.has(key))
        .map(([key, value]) => `${key}=${typeof value === "string" && !/\s/.test(value) ? value : JSON.stringify(value)}`);
      out.write(`${entry.time} ${String(entry.level).toUpperCase().padEnd(5)} ${entry.msg} ${fields.join(" ")}\n`);
    },
  };
}

/**
 * Builds the logger. No pino transports: they load worker files at run time, which a compiled
 * binary does not have.
 */
export function createLogger(options: {
  level: LogLevel;
  format: LogFormat;
  destination?: { write(s: string): unknown };
}): Logger {
  const out = options.destination ?? process.stderr;
  const stream: DestinationStream = options.format === "text" ? textStream(out) : { write: (s: string) => void out.write(s) };
  return pino(
    {
      level: options.level,
      base: { component: LOG_COMPONENT },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}
