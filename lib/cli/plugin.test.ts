import { expect, test } from "bun:test";
import { programFor } from "./plugin.ts";

test.each([
  ["/usr/local/bin/plexd-hook", "plexd-hook", false],
  ["./plexd-hook", "plexd-hook", false],
  ["/home/ann/.krew/bin/kubectl-plexd", "kubectl plexd", true],
  ["kubectl-plexd", "kubectl plexd", true],
  ["bun", "plexd-hook", false],
])("programFor(%p) is %p (plugin: %p)", (argv0, name, plugin) => {
  expect(programFor(argv0)).toEqual({ name, plugin });
});
