// Finds the control-plane binaries in .cache/cluster/bin, building them from go.mod when missing.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface BinPaths {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

const MODULE_DIR = import.meta.dir;
const REPO_DIR = join(MODULE_DIR, "..", "..");
export const BIN_DIR = join(REPO_DIR, ".cache", "cluster", "bin");
// Records which go.mod/go.sum the binaries were built from, so a version bump rebuilds them.
const STAMP = join(BIN_DIR, ".stamp");
const LOCK = join(REPO_DIR, ".cache", "cluster", "build.lock");

const TOOLS: ReadonlyArray<{ key: keyof BinPaths; file: string; pkg: string }> = [
  { key: "etcd", file: "etcd", pkg: "go.etcd.io/etcd/server/v3" },
  { key: "kubeApiserver", file: "kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver" },
  { key: "kubeControllerManager", file: "kube-controller-manager", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager" },
  { key: "kubeScheduler", file: "kube-scheduler", pkg: "k8s.io/kubernetes/cmd/kube-scheduler" },
  { key: "kubectl", file: "kubectl", pkg: "k8s.io/kubernetes/cmd/kubectl" },
  { key: "kwok", file: "kwok", pkg: "sigs.k8s.io/kwok/cmd/kwok" },
];

function paths(): BinPaths {
  return Object.fromEntries(TOOLS.map((t) => [t.key, join(BIN_DIR, t.file)])) as unknown as BinPaths;
}

function moduleHash(): string {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) hash.update(readFileSync(join(MODULE_DIR, f)));
  return hash.digest("hex");
}

function readStamp(): string | undefined {
  return existsSync(STAMP) ? readFileSync(STAMP, "utf8").trim() : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the build lock, waiting for another process's build; a dead holder's lock is taken over. */
async function acquireLock(): Promise<() => void> {
  mkdirSync(join(LOCK, ".."), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(LOCK, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(LOCK, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number.parseInt(readFileSync(LOCK, "utf8"), 10);
    // An empty file means the holder has created it but not yet written its pid.
    if (Number.isInteger(holder) && !isAlive(holder)) {
      rmSync(LOCK, { force: true });
      continue;
    }
    if (!announced) {
      const who = Number.isInteger(holder) ? ` (pid ${holder})` : "";
      process.stderr.write(`cluster: waiting for another process${who} to build the binaries\n`);
      announced = true;
    }
    await Bun.sleep(500);
  }
}

async function goBuild(output: string, pkgs: string[]): Promise<void> {
  const go = Bun.which("go") ?? "/usr/local/go/bin/go";
  const args = ["build", "-trimpath", "-ldflags=-s -w", "-o", output, ...pkgs];
  process.stderr.write(`cluster: go ${args.join(" ")}\n`);
  const proc = Bun.spawn([go, ...args], { cwd: MODULE_DIR, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`go build failed (exit ${code}) for: ${pkgs.join(", ")}`);
}

async function build(missing: typeof TOOLS): Promise<void> {
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

function allPresent(bins: BinPaths): boolean {
  return Object.values(bins).every((p) => existsSync(p));
}

/** Returns the binaries' paths, building whatever is missing or stale; safe to call concurrently. */
export async function ensureBinaries(): Promise<BinPaths> {
  const bins = paths();
  const hash = moduleHash();
  if (allPresent(bins) && readStamp() === hash) return bins;

  const release = await acquireLock();
  try {
    const stamp = readStamp();
    if (stamp !== undefined && stamp !== hash) {
      rmSync(STAMP, { force: true });
      await build(TOOLS);
    } else {
      // A plain `go build -o bin/` of all tools leaves etcd named "server"; adopt it.
      const server = join(BIN_DIR, "server");
      if (!existsSync(bins.etcd) && existsSync(server)) renameSync(server, bins.etcd);
      const missing = TOOLS.filter((t) => !existsSync(bins[t.key]));
      if (missing.length > 0) await build(missing);
    }
    // Binaries without a stamp predate it; they come from this go.mod as far as anyone knows.
    writeFileSync(STAMP, `${hash}\n`);
    return bins;
  } finally {
    release();
  }
}
