// Builds a test tool from a Go module of its own under tests/cluster into .cache/cluster/bin, once per go.mod.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR } from "./binaries.ts";
import { acquireLock } from "./lock.ts";

export interface GoTool {
  /** The tool's name: its module is tests/cluster/<name>, its stamp and lock are named after it. */
  name: string;
  /** The file it is built to in .cache/cluster/bin. */
  file: string;
  /** The arguments of `go build` writing to `output`, from the module's go.mod text. */
  buildArgs(output: string, goMod: string): string[];
}

/** Returns the path of the tool, building it (CGO off) when missing or built from another go.mod; one build at a time. */
export async function ensureGoTool(tool: GoTool): Promise<string> {
  const moduleDir = join(import.meta.dir, tool.name);
  const output = join(BIN_DIR, tool.file);
  const stamp = join(BIN_DIR, `.${tool.name}-stamp`);
  const goMod = readFileSync(join(moduleDir, "go.mod"), "utf8");
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) hash.update(readFileSync(join(moduleDir, f)));
  hash.update(JSON.stringify(tool.buildArgs("", goMod)));
  const digest = hash.digest("hex");
  const built = () => existsSync(output) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === digest;
  if (built()) return output;
  const release = await acquireLock(join(BIN_DIR, "..", `${tool.name}-build.lock`), `build ${tool.name}`);
  try {
    if (built()) return output;
    mkdirSync(BIN_DIR, { recursive: true });
    const go = Bun.which("go") ?? "/usr/local/go/bin/go";
    const partial = `${output}.${process.pid}`;
    const args = tool.buildArgs(partial, goMod);
    process.stderr.write(`cluster: CGO_ENABLED=0 go ${args.join(" ")} (first run takes minutes)\n`);
    const proc = Bun.spawn([go, ...args], {
      cwd: moduleDir,
      env: { ...process.env, CGO_ENABLED: "0" },
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
    });
    const code = await proc.exited;
    if (code !== 0) {
      rmSync(partial, { force: true });
      throw new Error(`go build of ${tool.name} failed (exit ${code})`);
    }
    renameSync(partial, output);
    writeFileSync(stamp, `${digest}\n`);
    return output;
  } finally {
    release();
  }
}
