// The krew plugin manifest (plexd.yaml) for the release tarballs: `kubectl krew install --manifest=plexd.yaml`.

import { stringify } from "yaml";

export interface Tarball {
  /** linux-x64 or linux-arm64. */
  target: string;
  file: string;
  sha256: string;
}

const KREW_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/**
 * One platform per tarball. krew copies the bundle's binary out as kubectl-plexd, so the plugin runs
 * under the name it recognises; `baseUrl` is where the tarballs will be downloaded from.
 */
export function krewManifest(version: string, baseUrl: string, tarballs: readonly Tarball[]): string {
  const platforms = tarballs.map(({ target, file, sha256 }) => {
    const [os, arch = ""] = target.split("-");
    const top = file.replace(/\.tar\.gz$/, "");
    if (!KREW_ARCH[arch] || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new RangeError(`Not a tarball krew can install: ${JSON.stringify({ target, file, sha256 })}`);
    }
    return {
      selector: { matchLabels: { os, arch: KREW_ARCH[arch] } },
      uri: `${baseUrl.replace(/\/+$/, "")}/${file}`,
      sha256,
      files: [
        { from: `${top}/plexd-hook`, to: "kubectl-plexd" },
        { from: `${top}/LICENSE`, to: "." },
      ],
      bin: "kubectl-plexd",
    };
  });
  const manifest = {
    apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
    kind: "Plugin",
    metadata: { name: "plexd" },
    spec: {
      version: `v${version}`,
      homepage: "https://github.com/plexsphere/plexd-hook",
      shortDescription: "Run a command on nodes as PlexdHooks, with its log and exit code",
      description: [
        "Runs a command on a node (or on every node matching a selector, a few at a time) as a PlexdHook",
        "of the plexd-hook operator: an audited Job pinned to the node. It shows the phase and the log",
        "and exits with the command's exit code. Needs plexd-hook installed in the cluster.",
        "",
        "  kubectl plexd run NODE -- df -h /",
        "  kubectl plexd logs HOOK",
      ].join("\n"),
      platforms,
    },
  };
  return stringify(manifest, { lineWidth: 0 });
}
