// CONTRIBUTING's rule for end-to-end tests, checked: a fixed sleep is a window, a cadence or wall-clock
// time the system reads, and says which in a comment right above it; waiting for a state is waitFor's.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Glob } from "bun";

const TESTS = join(import.meta.dir, "..", "tests", "e2e");

test("every Bun.sleep in tests/e2e has a comment right above it saying why it is not a waitFor", () => {
  const bare: string[] = [];
  for (const file of new Glob("**/*.ts").scanSync(TESTS)) {
    const lines = readFileSync(join(TESTS, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (line.includes("Bun.sleep(") && !lines[i - 1]?.trim().startsWith("//")) bare.push(`tests/e2e/${file}:${i + 1}`);
    });
  }
  expect(bare).toEqual([]);
});
