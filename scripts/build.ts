// Compiles main.ts into one executable: `bun run scripts/build.ts [--target linux-x64|linux-arm64] [--outfile PATH]`.

import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { target: { type: "string", default: "linux-x64" }, outfile: { type: "string", default: "plexd-hook" } },
});
const targets = ["linux-x64", "linux-arm64"];
if (!targets.includes(values.target)) throw new RangeError(`Unknown target, want one of ${targets.join(", ")}: ${values.target}`);

const root = new URL("..", import.meta.url).pathname;
const args = [
  "build",
  "main.ts",
  "--compile",
  `--target=bun-${values.target}`,
  "--minify",
  "--sourcemap=none",
  // main.ts awaits at top level, which bytecode supports only as ESM.
  "--bytecode",
  "--format=esm",
  // Otherwise the binary reads .env and bunfig.toml from whatever directory it is started in.
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  // A smaller heap, collected more often: with 10,000 hooks cached, VmRSS 115 MB instead of 125 (the
  // garbage of each burst of watch events no longer piles up first); see docs/scale.md, "Memory".
  "--compile-exec-argv=--smol",
  `--outfile=${values.outfile}`,
];
const proc = Bun.spawnSync([process.execPath, ...args], { cwd: root, stdout: "inherit", stderr: "inherit" });
process.exit(proc.exitCode ?? 1);
