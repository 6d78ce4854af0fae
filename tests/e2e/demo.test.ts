// The README's first command, `npm ci && npm run demo`, past its install: scripts/demo.ts on a local
// control plane of its own takes the example hook to Succeeded, exits 0 and leaves nothing running.

import { expect, test } from "bun:test";
import { REPO } from "./support/operator.ts";

test("npm run demo: the example hook reaches Succeeded through the fleet controller and a node agent, and the demo exits 0", async () => {
  // The binary npm test built (see scripts/demo.ts): the build step itself is what every other e2e file runs.
  const env = { ...process.env, PLEXD_DEMO_PREBUILT: "1" };
  const demo = Bun.spawn([process.execPath, "run", "scripts/demo.ts"], { cwd: REPO, env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(demo.stdout).text(), new Response(demo.stderr).text(), demo.exited]);
  if (code !== 0) console.error(`${out.slice(-4_000)}\n${err.slice(-4_000)}`);
  expect(code).toBe(0);
  expect(out).toContain("==> The example hook reached Succeeded");
  // The example names no node: the fleet controller assigned it, and the Job carries that node's label.
  // kubectl get jobs -L plexd.plexsphere.com/node: NAME STATUS COMPLETIONS DURATION AGE NODE.
  expect(out).toMatch(/plexdhook-disk-check-node01\s+Complete\s+1\/1\s+\S+\s+\S+\s+node-[abc]\n/);
  expect(out).toContain("==> Cleaning up");
}, 600_000);
