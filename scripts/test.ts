// The whole test suite: builds the binary and the local control plane's components if needed, runs
// `bun test`, and ends with one line `N passed, N failed`.

import { ensureBinaries } from "../tests/cluster/binaries.ts";

const root = new URL("..", import.meta.url).pathname;
const bun = process.execPath;

function run(args: string[]): number {
  return Bun.spawnSync([bun, ...args], { cwd: root, stdout: "inherit", stderr: "inherit" }).exitCode ?? 1;
}

if (run(["run", "scripts/build.ts"]) !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
await ensureBinaries();

const proc = Bun.spawn([bun, "test", "--timeout", "180000", ...Bun.argv.slice(2)], {
  cwd: root,
  stdout: "inherit",
  stderr: "pipe",
});
// bun test reports on stderr: pass it through and keep the counts.
let passed = 0;
let failed = 0;
let rest = "";
const decoder = new TextDecoder();
for await (const chunk of proc.stderr) {
  process.stderr.write(chunk);
  rest += decoder.decode(chunk, { stream: true });
  const lines = rest.split("\n");
  rest = lines.pop() ?? "";
  for (const line of lines) {
    const pass = /^\s*(\d+) pass$/.exec(line);
    const fail = /^\s*(\d+) fail$/.exec(line);
    if (pass) passed = Number(pass[1]);
    if (fail) failed = Number(fail[1]);
  }
}
const code = await proc.exited;
if (code !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(code);
