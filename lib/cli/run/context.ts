// What the `run` and `logs` commands get from the entry point: a client, the terminal, the clock, Ctrl-C.

import { errorText, isForbidden } from "../../kube/errors.ts";
import { explain } from "../explain.ts";
import type { RunClient } from "./client.ts";
import type { Writer } from "./render.ts";

export interface CommandContext {
  client: RunClient;
  /** The API server's URL, for error messages. */
  server: string;
  out: Writer;
  err: Writer;
  /** Whether `err` is a terminal (spinner, live table, questions). */
  tty: boolean;
  now: () => number;
  /** Aborts on Ctrl-C. */
  signal: AbortSignal;
  /** Asks a yes/no question on the terminal; resolves false when nobody can answer. */
  confirm(question: string): Promise<boolean>;
  /** How often the spinner and the live table redraw; tests pass 0 to turn the timer off. */
  redrawMs: number;
  /** How the person calls this program (`kubectl plexd` or `plexd-hook`), for the commands it suggests. */
  program?: string;
}

/** One line for an API failure of a person's command (explain() speaks to the operator's own account). */
export function describeFailure(err: unknown, server: string, doing: string): string {
  if (isForbidden(err)) return `${doing}: forbidden: ${errorText(err).replace(/^[A-Z]+ \S+: /, "")}`;
  return `${doing}: ${explain(err, server)}`;
}

/** Calls `fn` every `ms` until the returned function is called; no timer at all when ms is 0. */
export function every(ms: number, fn: () => void): () => void {
  if (ms <= 0) return () => {};
  const timer = setInterval(fn, ms);
  timer.unref?.();
  return () => clearInterval(timer);
}
