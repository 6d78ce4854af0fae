// The README's two commands work, and docs/ states what the code defines: the PlexdHook spec, reasons, the Lease's periods.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Glob } from "bun";
import { parse } from "yaml";
import pkg from "../package.json" with { type: "json" };
import { DEFAULT_ACTIVE_DEADLINE_SECONDS, DEFAULT_IMAGE } from "./constants.ts";
import { defaultConfig, defaultLease } from "./controller/config.ts";
import * as REASONS from "./core/reasons.ts";
import { SILENCE_MS, WATCH_TIMEOUT_SECONDS } from "./kube/list-watch.ts";

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const doc = read("docs/usage.md");
const crd = parse(read("crds/plexdhook-crd.yaml"));
const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;

/** The spec table: field → default column. */
const table = new Map(
  [
    ...(doc.split("<!-- spec:begin -->")[1]?.split("<!-- spec:end -->")[0] ?? "").matchAll(
      /^\| `([a-zA-Z.]+)` +\| ([^|]+?) +\|/gm,
    ),
  ].map((m) => [m[1] as string, (m[2] as string).trim()] as const),
);

/** The fields of spec as dotted paths, one level into jobTemplate and output; drain has a page of its own. */
function fields(schema: any, prefix = ""): Array<[string, any]> {
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]: [string, any]) => {
    const path = `${prefix}${name}`;
    return name === "drain" || !child.properties ? [[path, child]] : fields(child, `${path}.`);
  });
}

test("docs/usage.md's spec table lists every field of the PlexdHook spec, and no other", () => {
  expect([...table.keys()].toSorted()).toEqual(
    fields(spec)
      .map(([path]) => path)
      .toSorted(),
  );
});

test.each(fields(spec))("docs/usage.md gives spec.%s the CRD's default", (path, schema) => {
  const written = table.get(path);
  if (path === "jobTemplate.image") expect(written).toBe(`\`${DEFAULT_IMAGE}\``);
  else if (spec.required?.includes(path)) expect(written).toBe("(required)");
  else if (schema.default === undefined) expect(written).toBe("none");
  else expect(written).toBe(`\`${schema.default}\``);
});

test("docs/usage.md gives the deadline the builder sets when a hook sets none", () => {
  expect(doc).toContain(
    `omitted, the builder sets ${DEFAULT_ACTIVE_DEADLINE_SECONDS} (${DEFAULT_ACTIVE_DEADLINE_SECONDS / 3600} hours)`,
  );
});

test("docs/scale.md gives the Lease's takeover jitter, renewal period and duration as the code sets them", () => {
  const scale = read("docs/scale.md");
  const { takeoverJitterMs, retryPeriodMs, leaseDurationSeconds } = defaultLease("ns", "lease", "me");
  const jitter = [...scale.matchAll(/(?:random delay of up to|[Tt]akeover jitter of) (\d+) s/g)].map(([, s]) => Number(s));
  expect(jitter.length).toBeGreaterThan(0);
  expect(jitter).toEqual(jitter.map(() => takeoverJitterMs / 1000));
  expect(scale).toContain(`renews every ${retryPeriodMs / 1000} s (Lease duration ${leaseDurationSeconds} s)`);
});

test("every Event reason docs/usage.md names is one lib/core/reasons.ts defines", () => {
  const sentence = doc.split("recorded as Kubernetes Events")[1]?.split(":")[0] ?? "";
  const named = [...sentence.matchAll(/`(\w+)`/g)].map(([, reason]) => reason);
  expect(named.length).toBeGreaterThan(5);
  const defined = new Set<unknown>(Object.values(REASONS).filter((value) => typeof value === "string"));
  expect(named.filter((reason) => !defined.has(reason as string))).toEqual([]);
});

test("the README's two newcomer commands are there, each alone in a sh block, and run scripts package.json has", () => {
  const readme = read("README.md");
  for (const command of ["npm ci && npm run demo", "npm ci && npm test"])
    expect(readme).toContain(`\`\`\`sh\n${command}\n\`\`\``);
  expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["demo", "test"]));
  // CI runs the same test command the README gives.
  expect(read(".ci/run")).toContain("npm ci --no-audit --no-fund && npm run lint && npm test");
});

test("docs/operations.md's faults section gives the watch, resync and retry periods the code uses", () => {
  const faults = read("docs/operations.md").split("## Through faults")[1]?.split("\n## ")[0] ?? "";
  const { resyncPeriodMs, reconcile } = defaultConfig({ namespace: "ns", nodeName: "n" });
  for (const said of [
    `last ${WATCH_TIMEOUT_SECONDS / 60} to ${(2 * WATCH_TIMEOUT_SECONDS) / 60} minutes each`,
    `a watch silent for ${SILENCE_MS / 1000} s`,
    `looked at again every ${resyncPeriodMs / 60_000} minutes`,
    `retried with backoff for ${reconcile.transientRetryWindowMs / 60_000} minutes`,
    `is retried for ${reconcile.forbiddenRetryWindowMs / 1000} s first`,
  ]) {
    expect(faults.replace(/\s+/g, " ")).toContain(said);
  }
});

test("CONTRIBUTING's map of the controller names only classes, methods and files the code has", () => {
  const section = read("CONTRIBUTING.md").split("## How the controller's pieces fit")[1]?.split("\n## ")[0] ?? "";
  const files = [...new Glob("lib/**/*.ts").scanSync(new URL("..", import.meta.url).pathname)].filter(
    (f) => !f.endsWith(".test.ts"),
  );
  const source = new Map(files.map((file) => [file, read(file)]));
  const all = [...source.values()].join("\n");
  const declares = (name: string): boolean =>
    new RegExp(
      `(class|interface|function|type) ${name}\\b|^\\s+(private )?(async )?${name}(<[^>]*>)?\\(|^\\s+(readonly )?${name}\\??:`,
      "m",
    ).test(all);
  const methods = [...section.matchAll(/\b([A-Z]\w+)\.([a-z]\w*)\b/g)].map(
    ([, type, method]) => [type as string, method as string] as const,
  );
  const named = [...section.matchAll(/`([A-Za-z]\w*)(?:\(\w*\))?`/g)].map(([, name]) => name as string);
  const paths = [...section.matchAll(/\b([\w/-]+\.ts)\b/g)].map(([, path]) => path as string);
  expect(methods.length + named.length + paths.length).toBeGreaterThan(30);
  const missing = [
    ...methods.filter(([type, method]) => !declares(type) || !declares(method)).map((pair) => pair.join(".")),
    ...named.filter((name) => !declares(name)),
    ...paths.filter((path) => !files.some((file) => file.endsWith(path.includes("/") ? path : `/${path}`))),
  ];
  expect(missing).toEqual([]);
});
