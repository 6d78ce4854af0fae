// `npm run image`: the operator's container image without Docker or a registry, as OCI archives.
//
// Writes dist/plexd-hook-<version>-image-linux-<arch>.tar for amd64 and arm64 (each one image that
// `ctr images import` and `docker load` read), dist/plexd-hook-<version>-image.tar (both, behind one
// multi-arch index) and adds them to dist/SHA256SUMS. Two layers: the base from Debian packages
// (deploy/image/rootfs.sh, pinned in deploy/image/packages.txt) and the binary. Reproducible: the
// same commit and SOURCE_DATE_EPOCH give the same digests.
//
//   bun run scripts/image.ts [--arch amd64,arm64] [--out DIR] [--ref REGISTRY/NAME:TAG]

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import { type Arch, addImage, addIndex, type Descriptor, type RunConfig, writeArchive } from "./oci.ts";
import { compile, ROOT, run, sourceDateEpoch, type Target } from "./toolchain.ts";

const ROOTFS_SCRIPT = join(ROOT, "deploy", "image", "rootfs.sh");
const DEB_CACHE = join(ROOT, ".cache", "image", "debs");
const TARGET: Record<Arch, Target> = { amd64: "linux-x64", arm64: "linux-arm64" };
export const DEFAULT_REF = `ghcr.io/plexsphere/plexd-hook:${pkg.version}`;

/** The image's runtime settings; deploy/image/Dockerfile says the same (a test compares them). */
export function runConfig(revision: string, epoch: number): RunConfig {
  return {
    User: "65532:65532",
    Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],
    Entrypoint: ["/plexd-hook"],
    ExposedPorts: { "8081/tcp": {} },
    Labels: {
      "org.opencontainers.image.created": new Date(epoch * 1000).toISOString().replace(".000Z", "Z"),
      "org.opencontainers.image.description": pkg.description,
      "org.opencontainers.image.licenses": pkg.license,
      "org.opencontainers.image.revision": revision,
      "org.opencontainers.image.source": "https://github.com/plexsphere/plexd-hook",
      "org.opencontainers.image.title": "plexd-hook",
      "org.opencontainers.image.version": pkg.version,
    },
  };
}

/** Runs deploy/image/rootfs.sh; arm64 packages need dpkg to know the architecture first. */
function rootfs(arch: Arch, out: string): void {
  const debs = join(DEB_CACHE, arch);
  try {
    run(["sh", ROOTFS_SCRIPT, "download", arch, debs]);
  } catch (err) {
    const foreign = run(["dpkg", "--print-foreign-architectures"]).split("\n");
    if (arch === process.arch.replace("x64", "amd64") || foreign.includes(arch)) throw err;
    console.log(`dpkg --add-architecture ${arch} && apt-get update`);
    run(["dpkg", "--add-architecture", arch]);
    run(["apt-get", "update", "-qq"]);
    run(["sh", ROOTFS_SCRIPT, "download", arch, debs]);
  }
  run(["sh", ROOTFS_SCRIPT, "assemble", arch, debs, out]);
}

function main(): void {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      arch: { type: "string", default: "amd64,arm64" },
      out: { type: "string", default: join(ROOT, "dist") },
      ref: { type: "string", default: DEFAULT_REF },
    },
  });
  const arches = values.arch.split(",") as Arch[];
  for (const arch of arches) if (!(arch in TARGET)) throw new RangeError(`Unknown architecture, want amd64 or arm64: ${arch}`);
  const epoch = sourceDateEpoch();
  const revision = run(["git", "rev-parse", "HEAD"]).trim();
  const stage = mkdtempSync(join(tmpdir(), "plexd-image-"));
  const layout = join(stage, "layout");
  const written: Array<{ file: string; digest: string }> = [];
  mkdirSync(values.out, { recursive: true });
  try {
    const manifests: Descriptor[] = [];
    for (const arch of arches) {
      const base = join(stage, `base-${arch}`);
      const app = join(stage, `app-${arch}`);
      console.log(`assembling the ${arch} base from deploy/image/packages.txt`);
      rootfs(arch, base);
      mkdirSync(app);
      console.log(`building the ${arch} binary`);
      compile(TARGET[arch], join(app, "plexd-hook"));
      const manifest = addImage(layout, {
        arch,
        layers: [base, app],
        config: runConfig(revision, epoch),
        epoch,
        createdBy: "scripts/image.ts (deploy/image/rootfs.sh, packages.txt)",
      });
      manifests.push(manifest);
      const file = `plexd-hook-${pkg.version}-image-linux-${arch}.tar`;
      writeArchive(layout, join(values.out, file), [{ ref: values.ref, manifest }], epoch);
      written.push({ file, digest: manifest.digest });
    }
    if (manifests.length > 1) {
      const index = addIndex(layout, manifests);
      const file = `plexd-hook-${pkg.version}-image.tar`;
      writeArchive(layout, join(values.out, file), [{ ref: values.ref, manifest: index }], epoch);
      written.push({ file, digest: index.digest });
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  // The release's tarballs, if `npm run release` wrote them, stay in the sums.
  const sums = readdirSync(values.out)
    .filter((f) => /\.tar(\.gz)?$/.test(f))
    .sort();
  writeFileSync(join(values.out, "SHA256SUMS"), run(["sha256sum", ...sums], { cwd: values.out }));
  for (const { file, digest } of written) {
    const mb = (statSync(join(values.out, file)).size / 1e6).toFixed(1);
    console.log(`${join(values.out, file)}  ${mb} MB  ${values.ref}@${digest}`);
  }
}

if (import.meta.main) main();
