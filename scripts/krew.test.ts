import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { krewManifest } from "./krew.ts";

const SHA = "a".repeat(64);

describe("krewManifest()", () => {
  test("gives one platform per tarball, copying the binary out as kubectl-plexd", () => {
    const manifest = parse(
      krewManifest("0.1.0", "https://example.com/r/", [
        { target: "linux-x64", file: "plexd-hook-0.1.0-linux-x64.tar.gz", sha256: SHA },
        { target: "linux-arm64", file: "plexd-hook-0.1.0-linux-arm64.tar.gz", sha256: "b".repeat(64) },
      ]),
    );
    expect(manifest).toMatchObject({
      apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
      kind: "Plugin",
      metadata: { name: "plexd" },
      spec: { version: "v0.1.0" },
    });
    expect(manifest.spec.platforms[0]).toEqual({
      selector: { matchLabels: { os: "linux", arch: "amd64" } },
      uri: "https://example.com/r/plexd-hook-0.1.0-linux-x64.tar.gz",
      sha256: SHA,
      files: [
        { from: "plexd-hook-0.1.0-linux-x64/plexd-hook", to: "kubectl-plexd" },
        { from: "plexd-hook-0.1.0-linux-x64/LICENSE", to: "." },
      ],
      bin: "kubectl-plexd",
    });
    expect(manifest.spec.platforms[1].selector.matchLabels.arch).toBe("arm64");
  });

  test("refuses a tarball without a usable checksum", () => {
    expect(() => krewManifest("0.1.0", "u", [{ target: "linux-x64", file: "f.tar.gz", sha256: "nope" }])).toThrow(RangeError);
  });
});
