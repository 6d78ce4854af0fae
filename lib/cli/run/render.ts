// What one `run` shows: on a terminal a spinner with phase and elapsed time; otherwise one plain line per change.

export interface Writer {
  write(s: string): unknown;
}

export interface RendererOptions {
  /** The hook's log goes here, line by line, unchanged. */
  out: Writer;
  /** Phases, notes and the final line go here, so `run … > file` keeps only the log. */
  err: Writer;
  /** Whether `err` is a terminal: then one line is redrawn in place. */
  tty: boolean;
  now: () => number;
}

export interface Renderer {
  phase(phase: string): void;
  /** One line of the hook's log (without its newline). */
  log(line: string): void;
  /** A line of commentary (no log shown, how to delete, …). */
  note(line: string): void;
  /** Redraws the spinner; a TTY renderer's caller calls this on a timer. */
  tick(): void;
  /** The last line; the renderer draws nothing after it. */
  done(line: string): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_LINE = "\r\x1b[2K";

/** "4.2 s", "1 m 05 s". */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)} m ${String(whole % 60).padStart(2, "0")} s`;
}

/** @internal The spinner line: `⠋ run-x7k2p-node-a on node-a: Running 4.2 s`. */
export function spinnerLine(frame: number, what: string, phase: string, elapsedMs: number): string {
  return `${SPINNER[frame % SPINNER.length]} ${what}: ${phase} ${formatElapsed(elapsedMs)}`;
}

export function createRenderer(what: string, options: RendererOptions): Renderer {
  const { out, err, tty, now } = options;
  const started = now();
  let phase = "Creating";
  let frame = 0;
  let drawn = false;
  let finished = false;

  const clear = (): void => {
    if (drawn) err.write(CLEAR_LINE);
    drawn = false;
  };
  const draw = (): void => {
    if (!tty || finished) return;
    err.write(`${CLEAR_LINE}${spinnerLine(frame, what, phase, now() - started)}`);
    drawn = true;
  };
  return {
    phase(next) {
      if (next === phase || finished) return;
      phase = next;
      if (tty) draw();
      else err.write(`${what}: ${phase}\n`);
    },
    log(line) {
      clear();
      out.write(`${line}\n`);
      draw();
    },
    note(line) {
      clear();
      err.write(`${line}\n`);
      draw();
    },
    tick() {
      frame++;
      draw();
    },
    done(line) {
      clear();
      finished = true;
      err.write(`${line}\n`);
    },
  };
}
