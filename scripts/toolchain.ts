// The release's toolchain: Bun's compiler for each target (its runtime fetched through npm), the
// source date, and running commands; shared by scripts/release.ts and scripts/image.ts.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..");
export const TARGETS = ["linux-x64", "linux-arm64"] as const;
export type Target = (typeof TARGETS)[number];

/** The npm package holding Bun's runtime for a target: the same tarball Bun would download itself. */
const RUNTIME_PACKAGE: Record<Target, string> = { "linux-x64": "@oven/bun-linux-x64", "linux-arm64": "@oven/bun-linux-aarch64" };
/**
 * Where the compiler looks for cross-compile runtimes (BUN_INSTALL_CACHE_DIR for the build). Bun
 * fetches a missing one from registry.npmjs.org and ignores npm's registry and proxy settings; this
 * script puts it there through npm first, so a registry mirror works, the lockfile's integrity is
 * checked, and no network is needed once npm's cache holds the package.
 */
const RUNTIME_CACHE = join(ROOT, ".cache", "bun-runtimes");

export function run(cmd: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): string {
  const proc = Bun.spawnSync(cmd, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) {
    const output = proc.stderr.toString().trim() || proc.stdout.toString().trim();
    throw new Error(`${cmd.join(" ")} failed (exit ${proc.exitCode}): ${output}`);
  }
  return proc.stdout.toString();
}

export function sourceDateEpoch(): number {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined) {
    if (!/^\d+$/.test(fromEnv)) throw new RangeError(`SOURCE_DATE_EPOCH must be whole seconds: ${fromEnv}`);
    return Number(fromEnv);
  }
  try {
    return Number(run(["git", "log", "-1", "--format=%ct"]).trim()) || 0;
  } catch {
    return 0;
  }
}

export function hostTarget(): Target {
  if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) {
    throw new RangeError(`Releases are built on linux-x64 or linux-arm64, not on: ${process.platform}-${process.arch}`);
  }
  return `linux-${process.arch}`;
}

/** Puts Bun's runtime for a foreign `target` where the compiler looks, from the package the lockfile pins. */
function ensureRuntime(target: Target): void {
  const runtime = join(RUNTIME_CACHE, `bun-${target.replace("arm64", "aarch64")}-v${Bun.version}`);
  if (target === hostTarget() || existsSync(runtime)) return;
  const name = RUNTIME_PACKAGE[target];
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const locked = lock.packages?.[`node_modules/${name}`] as { version?: string; integrity?: string } | undefined;
  if (locked?.version !== Bun.version || !locked.integrity) {
    throw new Error(
      `package-lock.json must pin ${name} at the build's Bun version ${Bun.version}, with its integrity; it has: ${JSON.stringify(locked)}`,
    );
  }
  const work = mkdtempSync(join(tmpdir(), "plexd-runtime-"));
  try {
    console.log(`fetching ${name}@${locked.version} through npm`);
    run(["npm", "pack", `${name}@${locked.version}`, "--prefer-offline", "--silent", "--pack-destination", work]);
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz")) ?? "missing.tgz");
    const integrity = `sha512-${new Bun.CryptoHasher("sha512").update(readFileSync(tarball)).digest("base64")}`;
    if (integrity !== locked.integrity)
      throw new Error(`${name}@${locked.version} does not match package-lock.json: got ${integrity}`);
    run(["tar", "-xzf", tarball, "-C", work, "package/bin/bun"]);
    mkdirSync(RUNTIME_CACHE, { recursive: true });
    renameSync(join(work, "package", "bin", "bun"), runtime);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Compiles main.ts for `target` to `outfile`, fetching the target's Bun runtime through npm first. */
export function compile(target: Target, outfile: string): void {
  ensureRuntime(target);
  run([process.execPath, "run", "scripts/build.ts", "--target", target, "--outfile", outfile], {
    env: { ...process.env, BUN_INSTALL_CACHE_DIR: RUNTIME_CACHE },
  });
}

/** GNU tar options that make an archive depend only on the files' names, contents, modes and links. */
export function reproducibleTarFlags(epoch: number): string[] {
  return ["--format=gnu", "--sort=name", `--mtime=@${epoch}`, "--owner=0", "--group=0", "--numeric-owner"];
}
