// Finds promtool in .cache/cluster/bin, building it once from promtool/go.mod (its own module, so a Prometheus bump never rebuilds the control plane).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR } from "./binaries.ts";
import { acquireLock } from "./lock.ts";

const MODULE_DIR = join(import.meta.dir, "promtool");
const PROMTOOL = join(BIN_DIR, "promtool");
const STAMP = join(BIN_DIR, ".promtool-stamp");
const LOCK = join(BIN_DIR, "..", "promtool-build.lock");
const PKG = "github.com/prometheus/prometheus/cmd/promtool";
// The rules' checks and tests need no service discovery: leaving out its 25 plugins halves the build.
const TAGS = "remove_all_sd";

/**
 * The Prometheus release a module version stands for: the Go module of Prometheus 3.16.0 is
 * v0.316.0, so `promtool --version` can say 3.16.0 instead of nothing.
 */
function prometheusVersion(goMod: string): string {
  const match = /^\s*github\.com\/prometheus\/prometheus v0\.(\d)(\d\d)\.(\d+)\s/m.exec(goMod);
  if (match === null)
    throw new Error("tests/cluster/promtool/go.mod must require github.com/prometheus/prometheus at a v0.3xx.y version");
  return `${match[1]}.${Number(match[2])}.${match[3]}`;
}

function buildArgs(output: string): string[] {
  const version = prometheusVersion(readFileSync(join(MODULE_DIR, "go.mod"), "utf8"));
  const ldflags = `-s -w -X github.com/prometheus/common/version.Version=${version}`;
  return ["build", "-trimpath", `-tags=${TAGS}`, `-ldflags=${ldflags}`, "-o", output, PKG];
}

function buildHash(): string {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) hash.update(readFileSync(join(MODULE_DIR, f)));
  hash.update(JSON.stringify(buildArgs("")));
  return hash.digest("hex");
}

const built = (hash: string): boolean => existsSync(PROMTOOL) && existsSync(STAMP) && readFileSync(STAMP, "utf8").trim() === hash;

/** Returns the path of promtool, building it when missing or built from another go.mod; one build at a time. */
export async function ensurePromtool(): Promise<string> {
  const hash = buildHash();
  if (built(hash)) return PROMTOOL;
  const release = await acquireLock(LOCK, "build promtool");
  try {
    if (built(hash)) return PROMTOOL;
    mkdirSync(BIN_DIR, { recursive: true });
    const go = Bun.which("go") ?? "/usr/local/go/bin/go";
    const partial = `${PROMTOOL}.${process.pid}`;
    const args = buildArgs(partial);
    process.stderr.write(`cluster: CGO_ENABLED=0 go ${args.join(" ")} (first run takes minutes)\n`);
    const proc = Bun.spawn([go, ...args], {
      cwd: MODULE_DIR,
      env: { ...process.env, CGO_ENABLED: "0" },
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
    });
    const code = await proc.exited;
    if (code !== 0) {
      rmSync(partial, { force: true });
      throw new Error(`go build of promtool failed (exit ${code})`);
    }
    renameSync(partial, PROMTOOL);
    writeFileSync(STAMP, `${hash}\n`);
    return PROMTOOL;
  } finally {
    release();
  }
}

if (import.meta.main) console.log(await ensurePromtool());
