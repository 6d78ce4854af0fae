import { describe, expect, test } from "bun:test";
import { seedSpec } from "../../tests/support/seed.ts";
import { cutOutput, outputLimits } from "./output.ts";
import type { PlexdHook, PlexdHookSpec } from "./types.ts";

const withOutput = (output: unknown): PlexdHook => ({
  metadata: { name: "h", namespace: "ns", uid: "u" },
  spec: seedSpec({ output: output as PlexdHookSpec["output"] }),
});

describe("outputLimits()", () => {
  const cases: Array<[string, unknown, unknown]> = [
    ["no spec.output: off", undefined, undefined],
    ["tailLines 0: off", { tailLines: 0, maxBytes: 100 }, undefined],
    ["tailLines alone: the default 4 KiB", { tailLines: 20 }, { tailLines: 20, maxBytes: 4096 }],
    ["both", { tailLines: 5, maxBytes: 10 }, { tailLines: 5, maxBytes: 10 }],
  ];
  test.each(cases)("%s", (_, output, want) => expect(outputLimits(withOutput(output))).toEqual(want as never));
});

describe("cutOutput()", () => {
  test("keeps text within the limit as it is", () => expect(cutOutput("a\nb\n", 4)).toBe("a\nb\n"));
  test("keeps the end when the text is too long", () => expect(cutOutput("line1\nline2\n", 6)).toBe("line2\n"));
  test("never splits a multi-byte character", () => {
    // "é" is two bytes: a cut inside it moves forward to the next whole character.
    expect(cutOutput("éé", 3)).toBe("é");
    expect(Buffer.byteLength(cutOutput("€uro", 5))).toBeLessThanOrEqual(5);
    expect(cutOutput("€uro", 5)).toBe("uro");
  });
});
