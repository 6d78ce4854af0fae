// Every relative link in the README, CONTRIBUTING and docs/ reaches a file, and every #anchor a heading of it.

import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");
const PAGES = ["README.md", "CONTRIBUTING.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((p) =>
  p.endsWith(".md"),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replaceAll(" ", "-");
}

function anchors(path: string): Set<string> {
  const text = readFileSync(path, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map(([, heading]) => slug(heading as string)));
}

function links(page: string): string[] {
  const text = readFileSync(join(ROOT, page), "utf8").replace(/```[\s\S]*?```/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target as string).filter((t) => !/^[a-z]+:/.test(t));
}

test.each(PAGES)("%s: each relative link reaches a file, and each #anchor a heading in it", (page) => {
  const broken = links(page).filter((target) => {
    const [file = "", anchor] = target.split("#");
    const path = file === "" ? join(ROOT, page) : join(ROOT, dirname(page), file);
    if (!existsSync(path)) return true;
    return anchor !== undefined && path.endsWith(".md") && !anchors(path).has(anchor);
  });
  expect({ page: relative(ROOT, join(ROOT, page)), broken }).toEqual({ page, broken: [] });
});
