import { describe, expect, test } from "bun:test";
import type { PlexdHookStatus } from "../../core/types.ts";
import { exitCodeFor } from "./exit-code.ts";

describe("exitCodeFor()", () => {
  const failedWith = (message: string): PlexdHookStatus => ({ phase: "Failed", message });
  const cases: Array<[string, PlexdHookStatus | undefined, number]> = [
    ["Succeeded", { phase: "Succeeded" }, 0],
    [
      "a container that exited with 3",
      failedWith(
        "Job plexdhook-x failed: BackoffLimitExceeded: Job has reached the specified backoff limit: container hook in pod p exited with code 3 (Error)",
      ),
      3,
    ],
    ["a structured status.exitCode", { phase: "Failed", exitCode: 42, message: "exited with code 3" }, 42],
    [
      "a deadline with no container code",
      failedWith("Job plexdhook-x failed: DeadlineExceeded: Job was active longer than specified deadline"),
      1,
    ],
    ["a failure before any Job", failedWith("Parameters a and A both become PLEXD_PARAM_A"), 1],
    ["a code above 255 (a signal)", failedWith("container hook in pod p exited with code 300"), 1],
    ["a failed hook reporting code 0", failedWith("container hook in pod p exited with code 0"), 1],
    ["no status at all", undefined, 1],
  ];
  test.each(cases)("exits right for %s", (_, status, code) => expect(exitCodeFor(status)).toBe(code));
});
