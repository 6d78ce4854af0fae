// docs/rollouts.md states what the CRD and the code define: every field with its default, the reasons, exit codes, the test clock.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import * as S from "../../cli/rollout/summary.ts";
import { ENV_TEST_CLOCK_OFFSET } from "../../constants.ts";
import * as R from "./reasons.ts";

const doc = readFileSync(new URL("../../../docs/rollouts.md", import.meta.url), "utf8");
const crd = parse(readFileSync(new URL("../../../crds/plexdrollout-crd.yaml", import.meta.url), "utf8"));
const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;

/** The field table: path → default column. */
const table = new Map(
  [...doc.matchAll(/^\| `([a-zA-Z.]+)` +\| ([^|]+?) +\|/gm)].map((m) => [m[1] as string, (m[2] as string).trim()] as const),
);

/** Every field of the spec but the template's (the hook's own docs cover those), as dotted paths. */
function fields(schema: any, prefix = ""): Array<[string, any]> {
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]: [string, any]) => {
    const path = `${prefix}${name}`;
    return name === "template" || name === "nodeSelector" || !child.properties ? [[path, child]] : fields(child, `${path}.`);
  });
}

describe("docs/rollouts.md", () => {
  test("lists every field of the spec, and no other", () => {
    expect([...table.keys()].toSorted()).toEqual(
      fields(spec)
        .map(([path]) => path)
        .toSorted(),
    );
  });

  test.each(fields(spec))("gives %s the CRD's default", (path, schema) => {
    const written = table.get(path) as string;
    if (schema.default === undefined) expect(written).toMatch(/^(none|\(required.*\))$/);
    else expect(written).toBe(`\`${schema.default}\``);
  });

  test("names every reason of the Progressing condition", () => {
    for (const [name, value] of Object.entries(R)) if (name.startsWith("REASON_")) expect(doc).toContain(`\`${value}\``);
  });

  test("gives the rollout command's exit codes", () => {
    expect(doc).toContain(
      `\`rollout\` exits ${S.EXIT_SUCCEEDED} when the rollout succeeded (or the\nchange was made), ${S.EXIT_FAILED} when it failed, ${S.EXIT_USAGE} on a usage error, ${S.EXIT_IN_PROGRESS} for \`status --no-watch\``,
    );
    expect(doc).toContain(`ended, ${S.EXIT_UNREADABLE} when the rollout cannot be read`);
  });

  test("names the test-only clock offset as the code reads it", () => {
    expect(doc).toContain(`\`${ENV_TEST_CLOCK_OFFSET}\``);
  });
});
