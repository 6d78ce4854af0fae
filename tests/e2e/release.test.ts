// The release bundle: `npm run release` once, then what it wrote, read back as a user would.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parse } from "yaml";
import pkg from "../../package.json" with { type: "json" };
import { installMissing } from "../cluster/apt.ts";
import { ensureBinaries } from "../cluster/binaries.ts";
import { ensureKrew } from "../cluster/krew.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, sharedCluster } from "./support/cluster.ts";
import { REPO, startOperator } from "./support/operator.ts";

const DIST = join(REPO, "dist");
const ARCHES = ["x64", "arm64"] as const;
const top = (arch: string) => `plexd-hook-${pkg.version}-linux-${arch}`;
const tarball = (arch: string) => join(DIST, `${top(arch)}.tar.gz`);
let extracted: string;

function sh(cmd: string[], cwd = REPO): { code: number; stdout: string; stderr: string } {
  const proc = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? 1, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

/** deploy/kubernetes as the tarball must carry it: symlinks followed, directories with a trailing slash. */
function deployTree(dir: string, prefix: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory()
      ? [`${prefix}${entry}/`, ...deployTree(path, `${prefix}${entry}/`)]
      : [`${prefix}${entry}`];
  });
}

beforeAll(async () => {
  const proc = Bun.spawn([process.execPath, "run", "scripts/release.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`npm run release failed (${code}): ${stderr.trim()}`);
  extracted = mkdtempSync(join(tmpdir(), "plexd-release-test-"));
  for (const arch of ARCHES) {
    const result = sh(["tar", "-xzf", tarball(arch), "-C", extracted]);
    if (result.code !== 0) throw new Error(`extracting ${tarball(arch)}: ${result.stderr}`);
  }
  // Two compiles, the arm64 one cross: minutes when other suites load the machine.
}, 600_000);

afterAll(() => {
  if (extracted) rmSync(extracted, { recursive: true, force: true });
});

describe("npm run release", () => {
  test("writes both tarballs, the chart, the krew manifest and a SHA256SUMS that covers exactly them", () => {
    const sums = sh(["cat", join(DIST, "SHA256SUMS")]).stdout;
    const names = sums
      .trim()
      .split("\n")
      .map((line) => line.split(/\s+/)[1]);
    expect(names).toEqual([...ARCHES.map((arch) => `${top(arch)}.tar.gz`), `plexd-hook-${pkg.version}.tgz`, "plexd.yaml"].sort());
  });

  test("plexd.yaml gives krew each tarball's sha256 and copies the binary out as kubectl-plexd", async () => {
    const krew = parse(await Bun.file(join(DIST, "plexd.yaml")).text());
    const sums = new Map(
      sh(["sha256sum", ...ARCHES.map(tarball)])
        .stdout.trim()
        .split("\n")
        .map((line) => line.split(/\s+/) as [string, string])
        .map(([sum, path]) => [basename(path), sum]),
    );
    expect(krew.spec.platforms.map((p: any) => [basename(p.uri), p.sha256, p.bin]).sort()).toEqual(
      [...sums].map(([file, sum]) => [file, sum, "kubectl-plexd"]).sort(),
    );
  });

  test("the chart package holds the chart with the manifests themselves, not links to them", () => {
    const listing = sh(["tar", "-tvzf", join(DIST, `plexd-hook-${pkg.version}.tgz`)]).stdout;
    expect(listing).toContain("plexd-hook/Chart.yaml");
    expect(listing).toContain("plexd-hook/files/daemonset.yaml");
    expect(listing).toContain("plexd-hook/files/plexdhook-crd.yaml");
    expect(listing.split("\n").filter((line) => line.startsWith("l"))).toEqual([]);
  });

  test("sha256sum -c SHA256SUMS passes", () => {
    const result = sh(["sha256sum", "-c", "SHA256SUMS"], DIST);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  test.each([...ARCHES])(
    "the linux-%s tarball holds exactly the binary, the manifests, README.md, docs/ and LICENSE, owned by 0:0",
    (arch) => {
      const root = `${top(arch)}/`;
      const expected = [
        root,
        `${root}LICENSE`,
        `${root}README.md`,
        `${root}docs/`,
        ...deployTree(join(REPO, "docs"), `${root}docs/`),
        `${root}manifests/`,
        `${root}manifests/install.yaml`,
        `${root}manifests/kubernetes/`,
        ...deployTree(join(REPO, "deploy", "kubernetes"), `${root}manifests/kubernetes/`),
        `${root}plexd-hook`,
      ].sort();
      expect(
        sh(["tar", "-tzf", tarball(arch)])
          .stdout.trim()
          .split("\n")
          .sort(),
      ).toEqual(expected);
      const owners = sh(["tar", "-tvzf", tarball(arch), "--numeric-owner"])
        .stdout.trim()
        .split("\n")
        .map((line) => line.split(/\s+/)[1]);
      expect(new Set(owners)).toEqual(new Set(["0/0"]));
    },
  );

  test("the tarball holds no link (krew unpacks only files), and plexd-hook linked as kubectl-plexd answers as the kubectl plugin", () => {
    const types = sh(["tar", "-tvzf", tarball("x64")])
      .stdout.trim()
      .split("\n")
      .map((line) => line[0]);
    expect(new Set(types)).toEqual(new Set(["d", "-"]));
    const link = join(extracted, top("x64"), "kubectl-plexd");
    symlinkSync("plexd-hook", link);
    const help = sh([link]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("kubectl plexd run NODE");
  });

  test("kubectl krew install --manifest=plexd.yaml --archive=<tarball> installs the plugin, and kubectl plexd version works", async () => {
    const [krew, bins] = await Promise.all([ensureKrew(), ensureBinaries()]);
    const root = mkdtempSync(join(tmpdir(), "plexd-krew-test-"));
    try {
      const krewRoot = join(root, "krew");
      const env = {
        PATH: [join(krewRoot, "bin"), dirname(krew), "/usr/bin", "/bin"].join(":"),
        KREW_ROOT: krewRoot,
        HOME: root,
      };
      const kubectl = (args: string[]) => {
        const proc = Bun.spawnSync([bins.kubectl, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
        return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
      };
      const target = process.arch === "arm64" ? "arm64" : "x64";
      const install = kubectl(["krew", "install", `--manifest=${join(DIST, "plexd.yaml")}`, `--archive=${tarball(target)}`]);
      expect({ code: install.code, stderr: install.stderr }).toMatchObject({
        code: 0,
        stderr: expect.stringContaining("Installed plugin: plexd"),
      });
      // `krew list` needs krew's index (git, the network); the receipt and kubectl's plugin list say the same here.
      expect(existsSync(join(krewRoot, "receipts", "plexd.yaml"))).toBe(true);
      expect(kubectl(["plugin", "list"]).stdout).toContain(join(krewRoot, "bin", "kubectl-plexd"));
      const version = kubectl(["plexd", "version"]);
      expect({ code: version.code, stdout: version.stdout, stderr: version.stderr }).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`plexd-hook ${pkg.version} (`),
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);

  test("the x64 binary in the tarball prints the package.json version", () => {
    const result = sh([join(extracted, top("x64"), "plexd-hook"), "--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });

  test("manifests/install.yaml is what the bundled binary prints with `plexd-hook manifests`", async () => {
    const printed = sh([join(extracted, top("x64"), "plexd-hook"), "manifests"]).stdout;
    for (const arch of ARCHES)
      expect(await Bun.file(join(extracted, top(arch), "manifests", "install.yaml")).text()).toBe(printed);
  });

  test("`file` says the arm64 binary is an ELF 64-bit ARM aarch64 executable", () => {
    const result = sh(["file", "--brief", join(extracted, top("arm64"), "plexd-hook")]);
    expect(result.stdout).toMatch(/^ELF 64-bit LSB (pie )?executable, ARM aarch64/);
  });
});

describe("the arm64 binary, run under qemu-aarch64-static", () => {
  // The arm64 glibc from libc6-arm64-cross stands in for an arm64 node's.
  const QEMU = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];

  beforeAll(() => {
    const missing = installMissing([
      { pkg: "qemu-user-static", file: "/usr/bin/qemu-aarch64-static" },
      { pkg: "libc6-arm64-cross", file: "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1" },
    ]);
    if (missing !== undefined) throw new Error(missing);
  });

  test("prints the version", () => {
    const result = sh([...QEMU, join(extracted, top("arm64"), "plexd-hook"), "--version"]);
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });

  test("takes a hook to Succeeded against the local control plane", async () => {
    const env = await sharedCluster();
    const ns = await env.namespace("e2e-release-arm64");
    const args = ["--kubeconfig", env.operatorKubeconfig, "--namespace", ns, "--node-name", "node-a"];
    const operator = startOperator(args, {}, [...QEMU, join(extracted, top("arm64"), "plexd-hook")]);
    try {
      await env.k(["apply", "-f", "-"], hookYaml("arm64", ns, { hookName: "arm64", nodeName: "node-a" }));
      const phase = await waitFor(
        "the arm64 operator's hook to finish",
        async () => {
          const status = (await env.json(["get", "plexdhook", "arm64", "-n", ns])).status;
          return status?.phase === "Succeeded" || status?.phase === "Failed" ? status.phase : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      expect(phase).toBe("Succeeded");
      // Nothing else runs an operator for this namespace: the emulated arm64 one handled the hook.
      expect(operator.logs.some((l) => l.msg === "plexdhook job created")).toBe(true);
    } finally {
      expect(await operator.stop()).toBe(0);
    }
  }, 240_000);
});
