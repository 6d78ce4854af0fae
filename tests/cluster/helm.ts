// Finds helm in .cache/cluster/bin, building it from helm/go.mod (its own module, so a helm bump never rebuilds the control plane).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR } from "./binaries.ts";

const MODULE_DIR = join(import.meta.dir, "helm");
const HELM = join(BIN_DIR, "helm");
const STAMP = join(BIN_DIR, ".helm-stamp");

function moduleHash(): string {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) hash.update(readFileSync(join(MODULE_DIR, f)));
  return hash.digest("hex");
}

/**
 * Returns the path of helm, building it when missing or built from another go.mod. Concurrent callers
 * may both build; each writes a file of its own and renames it into place, so neither sees half a binary.
 */
export async function ensureHelm(): Promise<string> {
  const hash = moduleHash();
  if (existsSync(HELM) && existsSync(STAMP) && readFileSync(STAMP, "utf8").trim() === hash) return HELM;
  mkdirSync(BIN_DIR, { recursive: true });
  const go = Bun.which("go") ?? "/usr/local/go/bin/go";
  const partial = `${HELM}.${process.pid}`;
  const args = ["build", "-trimpath", "-ldflags=-s -w", "-o", partial, "helm.sh/helm/v4/cmd/helm"];
  process.stderr.write(`cluster: go ${args.join(" ")} (first run takes minutes)\n`);
  const proc = Bun.spawn([go, ...args], { cwd: MODULE_DIR, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  const code = await proc.exited;
  if (code !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`go build of helm failed (exit ${code})`);
  }
  renameSync(partial, HELM);
  writeFileSync(STAMP, `${hash}\n`);
  return HELM;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `helm` with `args` against `kubeconfig`, its caches and config under `home` (never the user's). */
export async function runHelm(
  helm: string,
  args: string[],
  opts: { kubeconfig: string; home: string; cwd: string },
): Promise<HelmResult> {
  const proc = Bun.spawn([helm, ...args], {
    cwd: opts.cwd,
    env: {
      PATH: process.env.PATH,
      KUBECONFIG: opts.kubeconfig,
      // Without HOME, client-go puts its discovery cache in .kube/ of the working directory.
      HOME: opts.home,
      HELM_CACHE_HOME: join(opts.home, "cache"),
      HELM_CONFIG_HOME: join(opts.home, "config"),
      HELM_DATA_HOME: join(opts.home, "data"),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

if (import.meta.main) console.log(await ensureHelm());
