// What a real node changes on the machine outside its own directory, recorded before it starts.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One real node at a time: these paths are fixed, and so are several of the host's own. */
export const NODE_DIR = join(tmpdir(), "plexd-real-node");
export const LOCK_FILE = join(tmpdir(), "plexd-real-node.lock");
export const STATE_FILE = join(tmpdir(), "plexd-real-node.json");

/** Host paths containerd, CNI or the kubelet write whatever their configuration says. */
const HOST_PATHS: readonly string[] = [
  "/var/lib/kubelet",
  "/var/lib/kubelet/device-plugins",
  "/var/log/containers",
  "/var/log/pods",
  "/run/containerd",
  "/run/containerd/s",
  "/var/lib/cni",
  "/run/netns",
];

/** The kernel settings the kubelet changes at start (setupKernelTunables); put back afterwards. */
const SYSCTLS: readonly string[] = [
  "vm/overcommit_memory",
  "vm/panic_on_oom",
  "kernel/panic",
  "kernel/panic_on_oops",
  "kernel/keys/root_maxkeys",
  "kernel/keys/root_maxbytes",
];

const IPTABLES = ["iptables", "ip6tables"] as const;
const TABLES = ["filter", "nat", "mangle", "raw"] as const;

/** The machine before the node started: what teardown must leave as it found it. */
export interface HostState {
  dir: string;
  /** HOST_PATHS that did not exist: teardown removes them whole. */
  created: string[];
  /** Entries of the directories below that existed already: teardown leaves them alone. */
  entries: Record<string, string[]>;
  /** `iptables/nat/KUBE-SERVICES` for every KUBE-* chain there was. */
  chains: string[];
  sysctls: Record<string, string>;
}

function sh(cmd: string[]): { code: number; out: string } {
  const proc = Bun.spawnSync(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? 1, out: proc.stdout.toString() };
}

const listDir = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

/** Directories whose new entries (shim sockets, network namespaces, logs) are the node's. */
const WATCHED_DIRS: readonly string[] = [
  "/run/containerd/s",
  "/run/netns",
  "/var/log/containers",
  "/var/lib/kubelet/device-plugins",
];

/** Every KUBE-* chain of iptables and ip6tables, as `binary/table/chain`. */
export function kubeChains(): string[] {
  const chains: string[] = [];
  for (const bin of IPTABLES) {
    for (const table of TABLES) {
      const { code, out } = sh([bin, "-t", table, "-S"]);
      if (code !== 0) continue;
      for (const m of out.matchAll(/^-N (KUBE-\S+)$/gm)) chains.push(`${bin}/${table}/${m[1]}`);
    }
  }
  return chains.sort();
}

export function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(join("/proc/sys", name), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Records the machine's state and writes it where a later teardown (even another process's) finds it. */
export function recordHost(dir: string): HostState {
  const state: HostState = {
    dir,
    created: HOST_PATHS.filter((p) => !existsSync(p)),
    entries: Object.fromEntries(WATCHED_DIRS.map((d) => [d, listDir(d)])),
    chains: kubeChains(),
    sysctls: Object.fromEntries(SYSCTLS.flatMap((s) => (readSysctl(s) === undefined ? [] : [[s, readSysctl(s)!]]))),
  };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  return state;
}

export function readState(): HostState | undefined {
  try {
    return JSON.parse(readFileSync(STATE_FILE, "utf8")) as HostState;
  } catch {
    return undefined;
  }
}

/** The entries of `dir` that were not there when `state` was recorded. */
export function newEntries(state: HostState, dir: string): string[] {
  const before = new Set(state.entries[dir] ?? []);
  return listDir(dir).filter((e) => !before.has(e));
}

/** Splits one line of `iptables -S` into arguments: words, and "quoted strings" with \" escapes. */
function splitRule(line: string): string[] {
  const args: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g))
    args.push(m[1] === undefined ? m[2]! : m[1].replace(/\\(.)/g, "$1"));
  return args;
}

/** Deletes the KUBE-* chains that `state` did not have, and every rule that jumps to them. */
export function removeNewChains(state: HostState): void {
  const before = new Set(state.chains);
  const fresh = kubeChains().filter((c) => !before.has(c));
  for (const bin of IPTABLES) {
    for (const table of TABLES) {
      const mine = new Set(fresh.filter((c) => c.startsWith(`${bin}/${table}/`)).map((c) => c.split("/")[2]!));
      if (mine.size === 0) continue;
      const rules = sh([bin, "-t", table, "-S"]).out.split("\n");
      for (const rule of rules) {
        const args = splitRule(rule);
        if (args[0] !== "-A" || mine.has(args[1]!)) continue;
        const jump = args.indexOf("-j");
        if (jump > 0 && mine.has(args[jump + 1] ?? "")) sh([bin, "-t", table, "-D", ...args.slice(1)]);
      }
      for (const chain of mine) sh([bin, "-t", table, "-F", chain]);
      for (const chain of mine) sh([bin, "-t", table, "-X", chain]);
    }
  }
}
