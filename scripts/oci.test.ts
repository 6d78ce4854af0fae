// scripts/oci.ts writes the same bytes for the same input, and archives only what an image needs.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addImage, addIndex, layerTar, writeArchive } from "./oci.ts";

const work = mkdtempSync(join(tmpdir(), "plexd-oci-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tree(name: string, content = "hello\n"): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "etc"), { recursive: true });
  writeFileSync(join(dir, "etc", "motd"), content);
  symlinkSync("etc/motd", join(dir, "motd"));
  return dir;
}

const list = (tar: string) => Bun.spawnSync(["tar", "-tf", tar]).stdout.toString().trim().split("\n");

const image = (layers: string[], epoch = 1_700_000_000) => ({
  arch: "amd64" as const,
  layers,
  config: { Entrypoint: ["/bin/true"] },
  epoch,
  createdBy: "oci.test.ts",
});

describe("scripts/oci.ts", () => {
  test("layerTar() depends on names, contents and links only, not on when the files were written", async () => {
    const a = tree("a");
    await Bun.sleep(1_100);
    const b = tree("b");
    expect(Buffer.from(layerTar(a, 0)).equals(Buffer.from(layerTar(b, 0)))).toBe(true);
    expect(Buffer.from(layerTar(a, 0)).equals(Buffer.from(layerTar(a, 1)))).toBe(false);
  });

  test("addImage() gives the same manifest digest for the same input and epoch, another for another epoch", () => {
    const layer = tree("c");
    const one = addImage(join(work, "layout-1"), image([layer]));
    const two = addImage(join(work, "layout-2"), image([layer]));
    expect(two.digest).toBe(one.digest);
    expect(addImage(join(work, "layout-3"), image([layer], 1)).digest).not.toBe(one.digest);
    expect(addImage(join(work, "layout-4"), image([tree("d", "other\n")])).digest).not.toBe(one.digest);
  });

  test("writeArchive() holds only the blobs its entries reach, and a Docker manifest.json for single images", () => {
    const layout = join(work, "layout-shared");
    const amd = addImage(layout, image([tree("e")]));
    const arm = addImage(layout, { ...image([tree("f", "arm\n")]), arch: "arm64" });
    const single = join(work, "single.tar");
    writeArchive(layout, single, [{ ref: "example.com/x:1", manifest: amd }], 0);
    const blobs = list(single).filter((p) => p.startsWith("blobs/sha256/") && p.length > "blobs/sha256/".length);
    expect(blobs).toHaveLength(3); // manifest, config, one layer
    expect(blobs).toContain(`blobs/sha256/${amd.digest.slice(7)}`);
    expect(blobs).not.toContain(`blobs/sha256/${arm.digest.slice(7)}`);
    const docker = JSON.parse(Bun.spawnSync(["tar", "-xOf", single, "manifest.json"]).stdout.toString());
    expect(docker).toMatchObject([{ RepoTags: ["example.com/x:1"] }]);

    const multi = join(work, "multi.tar");
    writeArchive(layout, multi, [{ ref: "example.com/x:1", manifest: addIndex(layout, [amd, arm]) }], 0);
    expect(list(multi)).not.toContain("manifest.json");
    expect(list(multi).filter((p) => p.length > "blobs/sha256/".length && p.startsWith("blobs/sha256/"))).toHaveLength(7);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    expect(index.manifests[0].annotations).toEqual({
      "io.containerd.image.name": "example.com/x:1",
      "org.opencontainers.image.ref.name": "1",
    });
  });
});
