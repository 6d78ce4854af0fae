// The example hook of the PlexdHook CRD reference, for the tests that check it row by row.

import type { PlexdHookSpec } from "../../lib/core/types.ts";

export const SEED_SPEC: Readonly<PlexdHookSpec> = Object.freeze({
  hookName: "disk-check",
  jobTemplate: { image: "alpine:3.19", command: ["/bin/sh", "-c"], args: ["df -h /dev/sda1"] },
  parameters: [
    { name: "disk-path", value: "/dev/sda1" },
    { name: "threshold", value: "90" },
  ],
  privileged: false,
});

/** A fresh copy, safe to change. */
export const seedSpec = (overrides: Partial<PlexdHookSpec> = {}): PlexdHookSpec => ({
  ...structuredClone(SEED_SPEC),
  ...overrides,
});
