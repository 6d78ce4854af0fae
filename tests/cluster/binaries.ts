// Finds the control-plane (and real-node) binaries in .cache/cluster/bin, building them from go.mod when missing.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireLock } from "./lock.ts";

export interface BinPaths {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

/** What a real node runs besides containerd: built only when a real node is asked for. */
export interface NodeBinPaths {
  kubelet: string;
  kubeProxy: string;
  /** The sandbox program of the locally made registry.k8s.io/pause image (tests/cluster/pause). */
  pause: string;
}

type Tool = { key: string; file: string; pkg: string };

const MODULE_DIR = import.meta.dir;
const REPO_DIR = join(MODULE_DIR, "..", "..");
export const BIN_DIR = join(REPO_DIR, ".cache", "cluster", "bin");
// Records what the binaries were built from (see buildHash), so a version or flag change rebuilds them.
const STAMP = join(BIN_DIR, ".stamp");
const LOCK = join(REPO_DIR, ".cache", "cluster", "build.lock");

const TOOLS: ReadonlyArray<Tool & { key: keyof BinPaths }> = [
  { key: "etcd", file: "etcd", pkg: "go.etcd.io/etcd/server/v3" },
  { key: "kubeApiserver", file: "kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver" },
  { key: "kubeControllerManager", file: "kube-controller-manager", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager" },
  { key: "kubeScheduler", file: "kube-scheduler", pkg: "k8s.io/kubernetes/cmd/kube-scheduler" },
  { key: "kubectl", file: "kubectl", pkg: "k8s.io/kubernetes/cmd/kubectl" },
  { key: "kwok", file: "kwok", pkg: "sigs.k8s.io/kwok/cmd/kwok" },
];
const NODE_TOOLS: ReadonlyArray<Tool & { key: keyof NodeBinPaths }> = [
  { key: "kubelet", file: "kubelet", pkg: "k8s.io/kubernetes/cmd/kubelet" },
  { key: "kubeProxy", file: "kube-proxy", pkg: "k8s.io/kubernetes/cmd/kube-proxy" },
  { key: "pause", file: "pause", pkg: "./pause" },
];

function paths<T>(tools: readonly Tool[]): T {
  return Object.fromEntries(tools.map((t) => [t.key, join(BIN_DIR, t.file)])) as T;
}

/** The Kubernetes release go.mod pins, e.g. v1.36.3: the version the components report. */
function kubernetesVersion(goMod: string): string {
  const match = /^\s*k8s\.io\/kubernetes (v\d+\.\d+\.\d+)[\s/]/m.exec(goMod);
  if (match === null) throw new Error("tests/cluster/go.mod must require k8s.io/kubernetes at a release version");
  return match[1]!;
}

/**
 * The linker flags: without the version stamp every component reports v0.0.0-master, which the
 * kubelet also sends as its node's kubeletVersion.
 */
function ldflags(version: string): string {
  const [major, minor] = version.slice(1).split(".");
  const pkg = "k8s.io/component-base/version";
  return `-s -w -X ${pkg}.gitVersion=${version} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}`;
}

// Static binaries, as Kubernetes releases them: the kubelet then needs nothing from the host's libc.
const BUILD_ENV = { CGO_ENABLED: "0" };

function buildFlags(): string[] {
  return ["-trimpath", `-ldflags=${ldflags(kubernetesVersion(readFileSync(join(MODULE_DIR, "go.mod"), "utf8")))}`];
}

/** Changes whenever the binaries would come out different: go.mod, go.sum, the pause source, the flags. */
function buildHash(): string {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "pause/main.go"]) hash.update(readFileSync(join(MODULE_DIR, f)));
  hash.update(JSON.stringify({ flags: buildFlags(), env: BUILD_ENV }));
  return hash.digest("hex");
}

function readStamp(): string | undefined {
  return existsSync(STAMP) ? readFileSync(STAMP, "utf8").trim() : undefined;
}

async function goBuild(output: string, pkgs: string[]): Promise<void> {
  const go = Bun.which("go") ?? "/usr/local/go/bin/go";
  const args = ["build", ...buildFlags(), "-o", output, ...pkgs];
  process.stderr.write(`cluster: CGO_ENABLED=0 go ${args.join(" ")}\n`);
  const proc = Bun.spawn([go, ...args], {
    cwd: MODULE_DIR,
    env: { ...process.env, ...BUILD_ENV },
    stdin: "ignore",
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`go build failed (exit ${code}) for: ${pkgs.join(", ")}`);
}

async function build(missing: readonly Tool[]): Promise<void> {
  const started = Date.now();
  process.stderr.write(`cluster: building ${missing.map((t) => t.file).join(", ")} (first run takes minutes)\n`);
  // `go build -o dir/` names etcd after its package directory ("server"), so etcd is built apart.
  const etcd = missing.find((t) => t.key === "etcd");
  const rest = missing.filter((t) => t.key !== "etcd");
  if (rest.length > 0)
    await goBuild(
      `${BIN_DIR}/`,
      rest.map((t) => t.pkg),
    );
  if (etcd !== undefined) await goBuild(join(BIN_DIR, etcd.file), [etcd.pkg]);
  process.stderr.write(`cluster: built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

function allPresent(tools: readonly Tool[]): boolean {
  return tools.every((t) => existsSync(join(BIN_DIR, t.file)));
}

/** Makes sure `tools` are built from the current go.mod; a stale stamp throws away every binary. */
async function ensure(tools: readonly Tool[]): Promise<void> {
  const hash = buildHash();
  if (allPresent(tools) && readStamp() === hash) return;

  const release = await acquireLock(LOCK, "build the binaries");
  try {
    const stamp = readStamp();
    if (stamp !== undefined && stamp !== hash) {
      rmSync(STAMP, { force: true });
      for (const t of [...TOOLS, ...NODE_TOOLS]) rmSync(join(BIN_DIR, t.file), { force: true });
    }
    // A plain `go build -o bin/` of all tools leaves etcd named "server"; adopt it.
    const server = join(BIN_DIR, "server");
    if (!existsSync(join(BIN_DIR, "etcd")) && existsSync(server)) renameSync(server, join(BIN_DIR, "etcd"));
    const missing = tools.filter((t) => !existsSync(join(BIN_DIR, t.file)));
    if (missing.length > 0) await build(missing);
    // Binaries without a stamp predate it; they come from this go.mod as far as anyone knows.
    writeFileSync(STAMP, `${hash}\n`);
  } finally {
    release();
  }
}

/**
 * Returns the control plane's binaries, building whatever is missing or stale; safe to call
 * concurrently. `withNode` also builds the real node's (kubelet, kube-proxy, pause) in the same
 * `go build`, as CI does so that its cache holds them all.
 */
export async function ensureBinaries(opts: { withNode?: boolean } = {}): Promise<BinPaths> {
  await ensure(opts.withNode === true ? [...TOOLS, ...NODE_TOOLS] : TOOLS);
  return paths<BinPaths>(TOOLS);
}

/** Returns the real node's binaries, building them (and a stale control plane) when needed. */
export async function ensureNodeBinaries(): Promise<NodeBinPaths> {
  await ensure([...TOOLS, ...NODE_TOOLS]);
  return paths<NodeBinPaths>(NODE_TOOLS);
}
