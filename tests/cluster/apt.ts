// Installs the Debian packages a test needs when their files are missing, as on a fresh CI machine.
import { existsSync } from "node:fs";

/** A file, and the Debian package that installs it. */
export interface Needed {
  pkg: string;
  file: string;
}

function sh(cmd: string[]): { code: number; out: string } {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const proc = Bun.spawnSync(cmd, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? 1, out: `${proc.stdout}${proc.stderr}`.trim() };
}

/**
 * `apt-get install`s the packages of the missing files (running `apt-get update` first if that
 * fails); returns why they are still missing, in one line, or undefined once every file is there.
 */
export function installMissing(needed: readonly Needed[], extra: readonly string[] = []): string | undefined {
  const missing = [...new Set([...needed.filter((n) => !existsSync(n.file)).map((n) => n.pkg), ...extra])];
  if (missing.length === 0) return undefined;
  process.stderr.write(`apt-get install ${missing.join(" ")}\n`);
  const install = () => sh(["apt-get", "install", "-y", "-qq", ...missing]);
  let result = install();
  // A new machine may have no package lists yet.
  if (result.code !== 0 && sh(["apt-get", "update", "-qq"]).code === 0) result = install();
  if (result.code !== 0) {
    const last = result.out.split("\n").filter(Boolean).at(-1) ?? "";
    return `apt-get install ${missing.join(" ")} failed: ${last}`;
  }
  const still = needed.filter((n) => !existsSync(n.file)).map((n) => n.file);
  return still.length > 0 ? `still missing after apt-get install: ${still.join(", ")}` : undefined;
}
