// CONTRIBUTING's rules for tests, checked: an e2e test's fixed sleep says in a comment why it is no
// waitFor, and the code in lib/ never leans on test helpers.

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

test("no code in lib/ or main.ts imports from tests/: test helpers serve tests only", () => {
  const root = join(import.meta.dir, "..");
  const files = ["main.ts", ...new Glob("lib/**/*.ts").scanSync(root)].filter((f) => !f.endsWith(".test.ts"));
  const importing = files.filter((f) => /from "(\.\.\/)+tests\//.test(readFileSync(join(root, f), "utf8")));
  expect(importing).toEqual([]);
});

test("lib/ files past 220 lines are the ones CONTRIBUTING lists with why, and none passes 300", () => {
  const root = join(import.meta.dir, "..");
  const contributing = readFileSync(join(root, "CONTRIBUTING.md"), "utf8");
  const section = /<!-- long-files:begin -->([\s\S]*?)<!-- long-files:end -->/.exec(contributing)?.[1] ?? "";
  const listed = [...section.matchAll(/^- `([^`]+)`:/gm)].map((m) => m[1] as string);
  const lengths = [...new Glob("lib/**/*.ts").scanSync(root)]
    .filter((f) => !f.endsWith(".test.ts"))
    .map((f) => [f, readFileSync(join(root, f), "utf8").split("\n").length - 1] as const);
  expect(
    lengths
      .filter(([, n]) => n > 220)
      .map(([f]) => f)
      .sort(),
  ).toEqual(listed.sort());
  expect(lengths.filter(([, n]) => n > 300)).toEqual([]);
});
