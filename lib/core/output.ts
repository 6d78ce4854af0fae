// spec.output: how much of a finished hook's log to keep in status.output, and the cut. Pure.

import type { PlexdHook } from "./types.ts";

const DEFAULT_OUTPUT_MAX_BYTES = 4096;

export interface OutputLimits {
  tailLines: number;
  maxBytes: number;
}

/** The hook's limits, or undefined when it keeps no output (tailLines 0 or unset: the default). */
export function outputLimits(hook: PlexdHook): OutputLimits | undefined {
  const output = hook.spec.output;
  const tailLines = output?.tailLines ?? 0;
  if (tailLines <= 0) return undefined;
  return { tailLines, maxBytes: output?.maxBytes ?? DEFAULT_OUTPUT_MAX_BYTES };
}

/** The last `maxBytes` bytes of `text`, starting on a whole UTF-8 character: the end of a log matters most. */
export function cutOutput(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // 0b10xxxxxx bytes continue a character: step past them so the cut does not split one.
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}
