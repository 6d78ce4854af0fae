import { describe, expect, test } from "bun:test";
import { createRenderer, formatElapsed, spinnerLine } from "./render.ts";
import { createTable, tableLines } from "./table.ts";

function capture() {
  const seen = { out: "", err: "" };
  return { seen, out: { write: (s: string) => (seen.out += s) }, err: { write: (s: string) => (seen.err += s) } };
}

describe("createRenderer()", () => {
  test("writes plain lines when stderr is not a terminal: one per phase, the log to stdout", () => {
    const { seen, out, err } = capture();
    const view = createRenderer("h on n", { out, err, tty: false, now: () => 0 });
    view.phase("Pending");
    view.tick();
    view.phase("Pending");
    view.log("hello");
    view.phase("Running");
    view.done("h on n: Succeeded in 1.0 s");
    expect(seen.out).toBe("hello\n");
    expect(seen.err).toBe("h on n: Pending\nh on n: Running\nh on n: Succeeded in 1.0 s\n");
  });

  test("on a terminal redraws one spinner line with the elapsed time and clears it for log lines", () => {
    const { seen, out, err } = capture();
    let now = 0;
    const view = createRenderer("h", { out, err, tty: true, now: () => now });
    view.phase("Running");
    now = 1500;
    view.tick();
    view.log("x");
    view.done("h: Succeeded in 1.5 s");
    expect(seen.err).toBe(
      "\r\x1b[2K⠋ h: Running 0.0 s\r\x1b[2K⠙ h: Running 1.5 s\r\x1b[2K\r\x1b[2K⠙ h: Running 1.5 s\r\x1b[2Kh: Succeeded in 1.5 s\n",
    );
    expect(seen.out).toBe("x\n");
  });
});

describe("formatting", () => {
  test.each([
    [0, "0.0 s"],
    [4_240, "4.2 s"],
    [65_000, "1 m 05 s"],
  ])("formatElapsed(%p) is %p", (ms, text) => expect(formatElapsed(ms)).toBe(text));

  test("spinnerLine() cycles through its frames", () => {
    expect(spinnerLine(10, "h", "Pending", 0)).toBe(spinnerLine(0, "h", "Pending", 0));
  });

  test("tableLines() pads columns and counts running rows up to now", () => {
    expect(
      tableLines(
        [
          { node: "node-a", phase: "Succeeded", exitCode: 0, startedAt: 0, endedAt: 2000 },
          { node: "node-bb", phase: "Running", startedAt: 1000 },
          { node: "c", phase: "Waiting" },
        ],
        4000,
      ),
    ).toEqual([
      "NODE     PHASE      EXIT  DURATION",
      "node-a   Succeeded  0     2.0 s",
      "node-bb  Running          3.0 s",
      "c        Waiting",
    ]);
  });

  test("createTable() without a terminal writes each change once, then the table", () => {
    const { seen, err } = capture();
    const table = createTable(err, false, () => 0);
    table.update([{ node: "a", phase: "Waiting" }]);
    table.update([{ node: "a", phase: "Running", startedAt: 0 }]);
    table.update([{ node: "a", phase: "Running", startedAt: 0 }]);
    table.finish([{ node: "a", phase: "Failed", exitCode: 3, startedAt: 0, endedAt: 0 }]);
    expect(seen.err).toBe("a: Running\nNODE  PHASE   EXIT  DURATION\na     Failed  3     0.0 s\n");
  });
});
