// Builds the release: dist/plexd-hook-<version>-linux-<arch>.tar.gz for x64 and arm64, the Helm chart
// dist/plexd-hook-<version>.tgz, the krew manifest dist/plexd.yaml, and dist/SHA256SUMS over them all.
//
// Reproducible: the same commit gives byte-identical tarballs. Bun's compile output is deterministic
// as long as the output file's name stays the same (Bun embeds it as the bundle's module path), so
// each binary is compiled straight to its name inside the tarball. Entries are sorted, dated
// SOURCE_DATE_EPOCH (default: the last commit's time), owned by 0:0, with fixed modes; gzip -n
// leaves out the name and time.

import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { packChart } from "./chart-package.ts";
import { krewManifest } from "./krew.ts";
import { compile, hostTarget, reproducibleTarFlags, run, sourceDateEpoch, TARGETS } from "./toolchain.ts";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");
/** Sets modes that do not depend on the umask: 0755 for directories and the binary, 0644 for the rest. */
function normaliseModes(dir: string, executables: Set<string>): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) normaliseModes(path, executables);
    else chmodSync(path, executables.has(path) ? 0o755 : 0o644);
  }
}

const version = pkg.version;
const epoch = sourceDateEpoch();
const host = hostTarget();
const stage = mkdtempSync(join(tmpdir(), "plexd-release-"));
const tarballs: string[] = [];
try {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST);
  // The host's binary first: it writes install.yaml for every bundle (the manifests are the same).
  const ordered = [host, ...TARGETS.filter((t) => t !== host)];
  let installYaml = "";
  for (const target of ordered) {
    const top = `plexd-hook-${version}-${target}`;
    const dir = join(stage, top);
    const binary = join(dir, "plexd-hook");
    mkdirSync(join(dir, "manifests"), { recursive: true });
    console.log(`building ${top}/plexd-hook`);
    compile(target, binary);
    if (target === host) {
      const printed = run([binary, "--version"]).trim();
      if (printed !== version) throw new Error(`${binary} --version printed ${JSON.stringify(printed)}, not ${version}`);
      installYaml = run([binary, "manifests"]);
    }
    writeFileSync(join(dir, "manifests", "install.yaml"), installYaml);
    // dereference: deploy/kubernetes/crds is a symlink to crds/, which a tarball must carry as files.
    cpSync(join(ROOT, "deploy", "kubernetes"), join(dir, "manifests", "kubernetes"), { recursive: true, dereference: true });
    // The README links its topics in docs/ (installing air-gapped among them): they travel with it.
    cpSync(join(ROOT, "README.md"), join(dir, "README.md"));
    cpSync(join(ROOT, "docs"), join(dir, "docs"), { recursive: true });
    cpSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
    // No kubectl-plexd link: krew unpacks only files and directories (v0.4.3: "unable to handle file type 50"), and
    // its manifest copies plexd-hook out as kubectl-plexd; bundle users make the link (README).
    normaliseModes(dir, new Set([binary]));

    const tar = join(DIST, `${top}.tar`);
    run(["tar", "--create", `--file=${tar}`, `--directory=${stage}`, ...reproducibleTarFlags(epoch), top]);
    run(["gzip", "-n", "-9", tar]);
    tarballs.push(`${top}.tar.gz`);
  }
  tarballs.sort();
  const sums = run(["sha256sum", ...tarballs], { cwd: DIST });
  const krew = sums
    .trim()
    .split("\n")
    .map((line) => line.split(/\s+/) as [string, string])
    .map(([sha256, file]) => ({ sha256, file, target: file.replace(/^.*-(linux-[a-z0-9]+)\.tar\.gz$/, "$1") }));
  const baseUrl = process.env.PLEXD_RELEASE_URL ?? `https://github.com/plexsphere/plexd-hook/releases/download/v${version}`;
  writeFileSync(join(DIST, "plexd.yaml"), krewManifest(version, baseUrl, krew));
  tarballs.push(
    packChart(DIST, version, epoch, (cmd) => run(cmd)),
    "plexd.yaml",
  );
  tarballs.sort();
  writeFileSync(join(DIST, "SHA256SUMS"), run(["sha256sum", ...tarballs], { cwd: DIST }));
} finally {
  rmSync(stage, { recursive: true, force: true });
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
for (const file of tarballs) console.log(`dist/${file}  ${mb(statSync(join(DIST, file)).size)}`);
console.log(`dist/SHA256SUMS (SOURCE_DATE_EPOCH=${epoch})`);
