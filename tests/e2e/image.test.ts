// `npm run image`, twice: the OCI archives, their digests, and the image read back as each tool would.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { DEFAULT_REF } from "../../scripts/image.ts";
import { installMissing } from "../cluster/apt.ts";
import { REPO } from "./support/operator.ts";

const ARCHES = ["amd64", "arm64"] as const;
const archive = (dir: string, arch: string) => join(dir, `plexd-hook-${pkg.version}-image-linux-${arch}.tar`);
const multiArch = (dir: string) => join(dir, `plexd-hook-${pkg.version}-image.tar`);
let work: string;
let first: string;
let second: string;

function sh(cmd: string[], cwd = REPO): string {
  const proc = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${proc.exitCode}): ${proc.stderr.toString().trim()}`);
  return proc.stdout.toString();
}

async function buildImage(out: string): Promise<void> {
  const proc = Bun.spawn([process.execPath, "run", "scripts/image.ts", "--out", out], {
    cwd: REPO,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`npm run image failed (${code}): ${stderr.trim()}`);
}

/** The JSON blob a digest names, from an archive. */
const jsonBlob = (tar: string, digest: string) => json(tar, `blobs/sha256/${digest.slice("sha256:".length)}`);

const json = (tar: string, member: string) => JSON.parse(sh(["tar", "-xOf", tar, member]));

/** Unpacks an image's layers in order into `dir`, as a runtime would. */
function unpack(tar: string, dir: string): void {
  const manifest = JSON.parse(sh(["tar", "-xOf", tar, "manifest.json"]))[0] as { Layers: string[] };
  mkdirSync(dir, { recursive: true });
  for (const layer of manifest.Layers) {
    const proc = Bun.spawnSync(["sh", "-c", `tar -xOf "$0" "$1" | tar -xz -C "$2"`, tar, layer, dir]);
    if (proc.exitCode !== 0) throw new Error(`unpacking ${layer}: ${proc.stderr}`);
  }
}

/** Every path an image's layers hold, without a leading "./". */
function files(tar: string): string[] {
  const manifest = JSON.parse(sh(["tar", "-xOf", tar, "manifest.json"]))[0] as { Layers: string[] };
  return manifest.Layers.flatMap((layer) =>
    sh(["sh", "-c", `tar -xOf "$0" "$1" | tar -tz`, tar, layer])
      .split("\n")
      .filter(Boolean)
      .map((p) => p.replace(/\/$/, "")),
  ).sort();
}

beforeAll(async () => {
  const missing = installMissing([
    { pkg: "skopeo", file: "/usr/bin/skopeo" },
    { pkg: "qemu-user-static", file: "/usr/bin/qemu-aarch64-static" },
  ]);
  if (missing !== undefined) throw new Error(missing);
  work = mkdtempSync(join(tmpdir(), "plexd-image-test-"));
  first = join(work, "first");
  second = join(work, "second");
  await buildImage(first);
  await buildImage(second);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm run image", () => {
  test("two builds of the same commit give byte-identical archives, so the same digests", () => {
    const sums = readFileSync(join(first, "SHA256SUMS"), "utf8");
    expect(readFileSync(join(second, "SHA256SUMS"), "utf8")).toBe(sums);
    expect(
      sums
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual([multiArch(first), ...ARCHES.map((a) => archive(first, a))].map((p) => p.slice(first.length + 1)).sort());
    expect(sh(["sha256sum", "-c", "SHA256SUMS"], first)).toContain(": OK");
  });

  test.each([...ARCHES])("the linux-%s archive is an OCI layout and a Docker archive of the same image", (arch) => {
    const tar = archive(first, arch);
    const index = json(tar, "index.json");
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe(DEFAULT_REF);
    expect(index.manifests[0].platform.architecture).toBe(arch);
    const docker = json(tar, "manifest.json");
    expect(docker[0].RepoTags).toEqual([DEFAULT_REF]);
    // skopeo reads each format with its own code: the OCI transport and Docker's archive format.
    const oci = JSON.parse(sh(["skopeo", "inspect", "--raw", `oci-archive:${tar}`]));
    const viaDocker = JSON.parse(sh(["skopeo", "inspect", "--config", `docker-archive:${tar}`]));
    expect(`sha256:${new Bun.CryptoHasher("sha256").update(JSON.stringify(oci)).digest("hex")}`).toBe(index.manifests[0].digest);
    expect(viaDocker.architecture).toBe(arch);
    expect(viaDocker.config.User).toBe("65532:65532");
    expect(viaDocker.config.Entrypoint).toEqual(["/plexd-hook"]);
  });

  test("the multi-arch archive indexes both images by platform", () => {
    const index = json(multiArch(first), "index.json");
    const nested = jsonBlob(multiArch(first), index.manifests[0].digest);
    expect(nested.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual([...ARCHES]);
    for (const [i, arch] of ARCHES.entries())
      expect(nested.manifests[i].digest).toBe(json(archive(first, arch), "index.json").manifests[0].digest);
  });

  test("the image's files are deploy/image/rootfs.sh's tree plus /plexd-hook, as the Dockerfile copies them", () => {
    const dockerfile = readFileSync(join(REPO, "deploy", "image", "Dockerfile"), "utf8");
    const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(final).toStartWith("\nFROM scratch\n");
    expect(final.match(/^COPY .*$/gm)).toEqual(["COPY --from=base /rootfs/ /", "COPY --from=build /out/plexd-hook /plexd-hook"]);
    expect(dockerfile).toContain('sh /image/rootfs.sh assemble "$TARGETARCH" /debs /rootfs');
    for (const arch of ARCHES) {
      const rootfs = join(work, `rootfs-${arch}`);
      sh(["sh", "deploy/image/rootfs.sh", "assemble", arch, join(REPO, ".cache", "image", "debs", arch), rootfs]);
      const tree = sh(["find", ".", "-mindepth", "1"], rootfs)
        .split("\n")
        .filter(Boolean)
        .map((p) => p.slice(2));
      expect(files(archive(first, arch))).toEqual([...tree, "plexd-hook"].sort());
    }
  });

  test("the config says what the Dockerfile says: user, entrypoint, port, environment, labels", () => {
    const dockerfile = readFileSync(join(REPO, "deploy", "image", "Dockerfile"), "utf8");
    const config = JSON.parse(sh(["skopeo", "inspect", "--config", `oci-archive:${archive(first, "amd64")}`])).config;
    expect(dockerfile).toContain(`USER ${config.User}\n`);
    expect(dockerfile).toContain(`ENTRYPOINT ${JSON.stringify(config.Entrypoint).replaceAll(",", ", ")}\n`);
    expect(dockerfile).toContain(`EXPOSE ${Object.keys(config.ExposedPorts)[0]!.replace("/tcp", "")}\n`);
    for (const env of config.Env) expect(dockerfile).toContain(`ENV ${env}\n`);
    for (const label of ["title", "description", "licenses", "source"]) {
      const key = `org.opencontainers.image.${label}`;
      expect(dockerfile).toContain(`${key}=${JSON.stringify(config.Labels[key])}`);
    }
  });

  test("each image's binary runs on the image's own glibc (arm64 under qemu-aarch64-static)", () => {
    for (const arch of ARCHES) {
      const root = join(work, `unpacked-${arch}`);
      unpack(archive(first, arch), root);
      const cmd =
        arch === "amd64"
          ? [
              join(root, "lib64", "ld-linux-x86-64.so.2"),
              "--library-path",
              join(root, "lib", "x86_64-linux-gnu"),
              join(root, "plexd-hook"),
            ]
          : ["qemu-aarch64-static", "-L", root, join(root, "plexd-hook")];
      expect(sh([...cmd, "--version"])).toBe(`${pkg.version}\n`);
    }
  });
});
