// Writes container images as OCI archives, byte for byte the same for the same input and epoch.
//
// No registry, daemon or build tool is involved: each layer is a sorted tar of one directory (dated
// SOURCE_DATE_EPOCH, owned by 0:0), gzipped by Bun's pinned zlib, and the JSON documents are written
// with a fixed key order. An archive carries both an OCI layout (index.json, for `ctr images import`
// and `skopeo`) and Docker's manifest.json (for `docker load`), pointing at the same blobs.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reproducibleTarFlags } from "./toolchain.ts";

export type Arch = "amd64" | "arm64";

/** The runtime settings of an image: the `config` object of the OCI image configuration. */
export interface RunConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
}

export interface ImageSpec {
  arch: Arch;
  /** Directories, bottom first; each becomes one layer holding the directory's contents. */
  layers: string[];
  config: RunConfig;
  /** Seconds since 1970: the time in the configuration and on every file. */
  epoch: number;
  /** Written as `created_by` in the image's history. */
  createdBy: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: Arch; os: "linux"; variant?: string };
  annotations?: Record<string, string>;
}

/** One image described by an archive's index.json, with the reference tools import it as. */
export interface ArchiveEntry {
  ref: string;
  manifest: Descriptor;
}

const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

function run(cmd: string[], cwd?: string): Uint8Array<ArrayBuffer> {
  const proc = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${proc.exitCode}): ${proc.stderr.toString().trim()}`);
  return new Uint8Array(proc.stdout);
}

const sha256 = (data: Uint8Array | string): string => `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;

function platformOf(arch: Arch): NonNullable<Descriptor["platform"]> {
  return arch === "arm64" ? { architecture: arch, os: "linux", variant: "v8" } : { architecture: arch, os: "linux" };
}

/** Stores `data` under blobs/sha256 of the layout in `dir` and describes it. */
function putBlob(dir: string, mediaType: string, data: Uint8Array | string): Descriptor {
  const digest = sha256(data);
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, digest.slice("sha256:".length)), data);
  return { mediaType, digest, size: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength };
}

/** The uncompressed layer of `dir`: its entries by name, without a leading "./". */
export function layerTar(dir: string, epoch: number): Uint8Array<ArrayBuffer> {
  const entries = readdirSync(dir).sort();
  if (entries.length === 0) throw new RangeError(`A layer directory must not be empty: ${dir}`);
  return run(["tar", "--create", "--file=-", ...reproducibleTarFlags(epoch), "--", ...entries], dir);
}

/** Writes the image's layers, configuration and manifest into the OCI layout in `dir`; returns the manifest. */
export function addImage(dir: string, image: ImageSpec): Descriptor {
  const created = new Date(image.epoch * 1000).toISOString().replace(".000Z", "Z");
  const diffIds: string[] = [];
  const layers = image.layers.map((layerDir) => {
    const tar = layerTar(layerDir, image.epoch);
    diffIds.push(sha256(tar));
    return putBlob(dir, MEDIA.layer, Bun.gzipSync(tar, { level: 9 }));
  });
  const config = {
    created,
    architecture: image.arch,
    ...(image.arch === "arm64" ? { variant: "v8" } : {}),
    os: "linux",
    config: image.config,
    rootfs: { type: "layers", diff_ids: diffIds },
    history: image.layers.map(() => ({ created, created_by: image.createdBy })),
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: putBlob(dir, MEDIA.config, JSON.stringify(config)),
    layers,
  };
  return { ...putBlob(dir, MEDIA.manifest, JSON.stringify(manifest)), platform: platformOf(image.arch) };
}

/** Writes an index of several per-architecture manifests into the layout: one multi-arch image. */
export function addIndex(dir: string, manifests: Descriptor[]): Descriptor {
  return putBlob(dir, MEDIA.index, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests }));
}

/** The tag part of a reference (`registry/name:tag` → `tag`). */
function tagOf(ref: string): string {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon <= slash) throw new RangeError(`An image reference needs a tag: ${ref}`);
  return ref.slice(colon + 1);
}

/**
 * Writes `out`, a tar of the layout in `dir` whose index.json names `entries`. Docker's manifest.json
 * is added for the entries that are single images, so `docker load` reads the same archive.
 */
export function writeArchive(dir: string, out: string, entries: ArchiveEntry[], epoch: number): void {
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: entries.map(({ ref, manifest }) => ({
      ...manifest,
      annotations: { "io.containerd.image.name": ref, "org.opencontainers.image.ref.name": tagOf(ref) },
    })),
  };
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
  const docker = entries
    .filter((e) => e.manifest.mediaType === MEDIA.manifest)
    .map(({ ref, manifest }) => {
      const doc = JSON.parse(readBlob(dir, manifest.digest)) as { config: Descriptor; layers: Descriptor[] };
      const path = (d: Descriptor) => `blobs/sha256/${d.digest.slice("sha256:".length)}`;
      return { Config: path(doc.config), RepoTags: [ref], Layers: doc.layers.map(path) };
    });
  const digests = [...new Set(entries.flatMap((e) => reachable(dir, e.manifest)))].sort();
  const blobs = digests.map((d) => `blobs/sha256/${d.slice("sha256:".length)}`);
  const files = ["oci-layout", "index.json", "blobs", "blobs/sha256", ...blobs];
  if (docker.length > 0) {
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(docker));
    files.push("manifest.json");
  }
  const flags = [...reproducibleTarFlags(epoch), "--mode=u=rwX,go=rX", "--no-recursion"];
  run(["tar", "--create", `--file=${out}`, ...flags, "--", ...files], dir);
}

/** The digests of `desc` and of every blob it points to: what an archive of it must hold. */
function reachable(dir: string, desc: Descriptor): string[] {
  if (desc.mediaType !== MEDIA.index && desc.mediaType !== MEDIA.manifest) return [desc.digest];
  const doc = JSON.parse(readBlob(dir, desc.digest)) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  const children = [...(doc.manifests ?? []), ...(doc.config === undefined ? [] : [doc.config]), ...(doc.layers ?? [])];
  return [desc.digest, ...children.flatMap((child) => reachable(dir, child))];
}

function readBlob(dir: string, digest: string): string {
  return readFileSync(join(dir, "blobs", "sha256", digest.slice("sha256:".length)), "utf8");
}
