// The rollout CRD's template schema is the hook CRD's spec schema without nodeName, and the file is up to date.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { generateRolloutCrd, HOOK_CRD, LEFT_OUT, ROLLOUT_CRD } from "./rollout-crd.ts";

const hookText = readFileSync(HOOK_CRD, "utf8");
const rolloutText = readFileSync(ROLLOUT_CRD, "utf8");
const specOf = (crd: any) => crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;

describe("generateRolloutCrd()", () => {
  test("crds/plexdrollout-crd.yaml is what the script writes (run bun run scripts/rollout-crd.ts after editing either CRD)", () => {
    expect(generateRolloutCrd(hookText, rolloutText)).toBe(rolloutText);
  });

  test("the template has every field of the hook's spec but nodeName, with the same schema and required list", () => {
    const hook = specOf(parse(hookText));
    const template = specOf(parse(rolloutText)).properties.template;
    const { nodeName, ...fields } = hook.properties;
    expect(nodeName).toBeDefined();
    expect(LEFT_OUT).toEqual(["nodeName"]);
    expect(template.properties).toEqual(fields);
    expect(template.required).toEqual(hook.required);
  });

  test("leaves out the hook spec's own rules: its immutability rule is the rollout's to decide", () => {
    const template = specOf(parse(rolloutText)).properties.template;
    expect(template["x-kubernetes-validations"]).toBeUndefined();
  });

  test("a field added to the hook's spec, with a comment above it, flows into the template", () => {
    const added = hookText.replace(
      "                privileged:\n",
      "                # Reboot afterwards.\n                reboot:\n                  type: object\n                  description: Reboot the node afterwards.\n                privileged:\n",
    );
    const generated = generateRolloutCrd(added, rolloutText);
    expect(specOf(parse(generated)).properties.template.properties.reboot).toEqual({
      type: "object",
      description: "Reboot the node afterwards.",
    });
    expect(generated).toContain("                    # Reboot afterwards.\n                    reboot:\n");
  });

  test("a rollout CRD without the marker comments is refused with a SyntaxError naming them", () => {
    expect(() => generateRolloutCrd(hookText, "spec: {}\n")).toThrow(/marker comments/);
  });
});
