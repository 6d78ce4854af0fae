import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { terminalConfirm } from "./confirm.ts";

/** A terminal's stdin that answers `line` once asked. */
function stdin(isTTY: boolean, line: string) {
  const input = Object.assign(new EventEmitter(), {
    isTTY,
    paused: true,
    resume() {
      this.paused = false;
      queueMicrotask(() => input.emit("data", Buffer.from(line)));
    },
    pause() {
      this.paused = true;
    },
  });
  return input;
}

describe("terminalConfirm()", () => {
  test.each([
    ["y\n", true],
    ["yes\n", true],
    ["Y\n", true],
    ["\n", false],
    ["no\n", false],
    ["yesterday\n", false],
  ])("reads %p as %p", async (answer, want) => {
    let asked = "";
    const input = stdin(true, answer);
    const confirm = terminalConfirm(input, { write: (s: string) => (asked += s) });
    expect(await confirm("Delete hook x? [y/N] ")).toBe(want);
    expect(asked).toBe("Delete hook x? [y/N] ");
    expect(input.paused).toBe(true);
  });

  test("answers no without asking when stdin is not a terminal", async () => {
    let asked = "";
    expect(await terminalConfirm(stdin(false, "y\n"), { write: (s: string) => (asked += s) })("Delete? ")).toBe(false);
    expect(asked).toBe("");
  });
});
