// Removes everything a real node left on the machine; `bun teardown.ts` does it for a dead process.
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CGROUP_ROOT, CNI_BRIDGE } from "./config.ts";
import { cgroupMounts } from "./host.ts";
import type { HostState } from "./host-state.ts";
import { kubeChains, LOCK_FILE, newEntries, readState, readSysctl, removeNewChains, STATE_FILE } from "./host-state.ts";

function sh(cmd: string[]): { code: number; out: string } {
  const proc = Bun.spawnSync(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? 1, out: `${proc.stdout}${proc.stderr}`.trim() };
}

/** Processes whose command line names the node's directory: containerd, its shims, kubelet, kube-proxy. */
function processesOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** The node's cgroup directories in every hierarchy, deepest first. */
function cgroupDirs(): string[] {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? [
          ...readdirSync(dir, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .flatMap((e) => walk(join(dir, e.name))),
          dir,
        ]
      : [];
  return cgroupMounts().flatMap((mount) => walk(join(mount, CGROUP_ROOT)));
}

/** Every process in the node's cgroups: the containers, whatever their parents did. */
function processesInCgroups(): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs()) {
    try {
      for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (line) pids.add(Number(line));
    } catch {
      // Removed meanwhile.
    }
  }
  return [...pids];
}

interface Mount {
  root: string;
  point: string;
  type: string;
}

function mounts(): Mount[] {
  const unescapeOctal = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const f = line.split(" ");
      const sep = f.indexOf("-");
      return { root: unescapeOctal(f[3]!), point: unescapeOctal(f[4]!), type: f[sep + 1]! };
    });
}

/** The mounts that are the node's: under its directory, or its pods' network namespaces. */
function nodeMounts(state: HostState): string[] {
  const netns = new Set(newEntries(state, "/run/netns").map((n) => join("/run/netns", n)));
  return mounts()
    .map((m) => m.point)
    .filter((p) => p === state.dir || p.startsWith(`${state.dir}/`) || netns.has(p))
    .sort((a, b) => b.length - a.length);
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Kills, unmounts and deletes what the node made, leaving what was there before. Safe to repeat. */
export async function teardownHost(state: HostState): Promise<void> {
  // Containers first (their shims would report them), then everything run from the directory.
  for (let round = 0; round < 50; round++) {
    const pids = [...processesInCgroups(), ...processesOf(state.dir)];
    if (pids.length === 0) break;
    killAll(pids);
    await Bun.sleep(100);
  }
  for (const point of nodeMounts(state)) sh(["umount", "--lazy", point]);
  for (const name of newEntries(state, "/run/netns")) rmSync(join("/run/netns", name), { force: true });
  if (existsSync(`/sys/class/net/${CNI_BRIDGE}`)) sh(["ip", "link", "delete", CNI_BRIDGE]);
  removeNewChains(state);
  for (const dir of cgroupDirs()) {
    try {
      rmdirSync(dir);
    } catch {
      // A process still dying; the leftovers check reports it.
    }
  }
  for (const [name, value] of Object.entries(state.sysctls))
    if (readSysctl(name) !== value) writeFileSync(join("/proc/sys", name), value);
  for (const dir of ["/run/containerd/s", "/var/log/containers", "/var/lib/kubelet/device-plugins"])
    for (const name of newEntries(state, dir)) rmSync(join(dir, name), { recursive: true, force: true });
  // Deepest first, so a created parent goes after its created children.
  for (const path of [...state.created].sort((a, b) => b.length - a.length)) rmSync(path, { recursive: true, force: true });
  if (nodeMounts(state).length === 0) rmSync(state.dir, { recursive: true, force: true });
}

/** What the node left behind, one line each; empty when teardown was complete. */
export function leftovers(state: HostState): string[] {
  const found: string[] = [];
  const pids = [...processesInCgroups(), ...processesOf(state.dir)];
  for (const pid of pids) found.push(`process ${pid}: ${sh(["ps", "-o", "args=", "-p", String(pid)]).out}`);
  for (const point of nodeMounts(state)) found.push(`mount ${point}`);
  if (existsSync(`/sys/class/net/${CNI_BRIDGE}`)) found.push(`network link ${CNI_BRIDGE}`);
  const before = new Set(state.chains);
  for (const chain of kubeChains()) if (!before.has(chain)) found.push(`iptables chain ${chain}`);
  for (const dir of cgroupDirs()) found.push(`cgroup ${dir}`);
  for (const [name, value] of Object.entries(state.sysctls))
    if (readSysctl(name) !== value) found.push(`sysctl ${name} = ${readSysctl(name)}, was ${value}`);
  for (const dir of ["/run/netns", "/run/containerd/s", "/var/log/containers", "/var/lib/kubelet/device-plugins"])
    for (const name of newEntries(state, dir)) found.push(`file ${join(dir, name)}`);
  for (const path of [...state.created, state.dir]) if (pathExists(path)) found.push(`path ${path}`);
  return found;
}

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Tears down the node recorded in STATE_FILE (a crashed run's) and forgets it. */
export async function teardownRecorded(): Promise<void> {
  const state = readState();
  if (state !== undefined) {
    await teardownHost(state);
    const left = leftovers(state);
    if (left.length > 0) process.stderr.write(`cluster: the real node left behind:\n  ${left.join("\n  ")}\n`);
  }
  rmSync(STATE_FILE, { force: true });
}

if (import.meta.main) {
  await teardownRecorded();
  // Run by the watchdog of a process that died holding the lock: release it for the next node.
  const holder = existsSync(LOCK_FILE) ? Number(readFileSync(LOCK_FILE, "utf8")) : undefined;
  if (holder !== undefined && String(holder) === process.argv[2]) rmSync(LOCK_FILE, { force: true });
}
