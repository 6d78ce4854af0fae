// `rollout`: its wording of a rollout's progress, its exit codes, and its usage errors.

import { describe, expect, test } from "bun:test";
import { NOW, rollout } from "../../../tests/support/rollout.ts";
import { rolloutCommand } from "./command.ts";
import {
  detailLines,
  EXIT_FAILED,
  EXIT_IN_PROGRESS,
  EXIT_SUCCEEDED,
  EXIT_USAGE,
  progressLine,
  statusExitCode,
} from "./summary.ts";

const progressing = rollout(
  { strategy: { partitionBy: "zone", batches: [1, 5] } },
  {
    phase: "Progressing",
    selected: 30,
    running: 3,
    succeeded: 12,
    failed: 1,
    pending: 14,
    skipped: 0,
    batch: 2,
    batches: 4,
    partition: "z1",
    failedNodes: [{ node: "n7", hook: "r-n7", exitCode: 3, message: "exited with code 3" }],
    conditions: [
      { type: "Progressing", status: "True", reason: "Running", message: "3 running", lastTransitionTime: NOW.toISOString() },
    ],
  },
);

describe("rollout status's words", () => {
  test("one line of progress with the batch and partition", () => {
    expect(progressLine(progressing)).toBe(
      "Progressing: 3 running, 12 succeeded, 1 failed, 14 pending, 0 skipped of 30 (batch 2/4, partition z1)",
    );
  });

  test("the reason, and each failed node with its exit code", () => {
    expect(detailLines(progressing)).toEqual(["  Running: 3 running", "  failed: n7 (exit 3): exited with code 3"]);
  });

  test.each([
    ["Succeeded", EXIT_SUCCEEDED],
    ["Failed", EXIT_FAILED],
    ["Progressing", EXIT_IN_PROGRESS],
    ["Waiting", EXIT_IN_PROGRESS],
    ["Paused", EXIT_IN_PROGRESS],
  ] as const)("a %s rollout exits %d", (phase, code) => {
    expect(statusExitCode(rollout({}, { phase }))).toBe(code);
  });
});

describe("rolloutCommand()", () => {
  const run = async (argv: string[]) => {
    const seen = { out: "", err: "" };
    const terminal = {
      out: { write: (s: string) => (seen.out += s) },
      err: { write: (s: string) => (seen.err += s) },
      tty: false,
      confirm: async () => false,
    };
    const code = await rolloutCommand(argv, {}, terminal, new AbortController().signal, "kubectl plexd");
    return { code, ...seen };
  };

  test.each([
    [[], /Name an action: status, pause, resume or abort/],
    [["restart", "r"], /Name an action: status, pause, resume or abort: "restart"/],
    [["pause"], /Name exactly one rollout/],
    [["pause", "a", "b"], /Name exactly one rollout/],
    [["pause", "r", "--no-watch"], /--no-watch goes with status only/],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(EXIT_USAGE);
    expect(err).toMatch(message);
    expect(err).toContain("Run 'kubectl plexd rollout --help' for usage.");
  });

  test("--help lists the actions and the exit codes", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    expect(out).toContain("kubectl plexd rollout status NAME");
    expect(out).toContain("Exit codes: 0 succeeded (or done), 1 failed, 2 usage, 3 not ended yet (--no-watch), 4 not found");
  });
});
