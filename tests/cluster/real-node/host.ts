// What a real node needs from the machine: root, cgroups, an address, and the Debian packages.
import { existsSync, readFileSync } from "node:fs";
import { installMissing, type Needed } from "../apt.ts";

/** The files a real node runs, by the Debian package that provides them. */
const PACKAGES: readonly Needed[] = [
  { pkg: "containerd", file: "/usr/bin/containerd" },
  { pkg: "containerd", file: "/usr/bin/containerd-shim-runc-v2" },
  { pkg: "containerd", file: "/usr/bin/ctr" },
  { pkg: "runc", file: "/usr/sbin/runc" },
  // Debian's containernetworking-plugins install to /usr/lib/cni.
  { pkg: "containernetworking-plugins", file: "/usr/lib/cni/bridge" },
  { pkg: "containernetworking-plugins", file: "/usr/lib/cni/host-local" },
  { pkg: "containernetworking-plugins", file: "/usr/lib/cni/loopback" },
  { pkg: "busybox-static", file: "/bin/busybox" },
  { pkg: "iptables", file: "/usr/sbin/iptables" },
  { pkg: "iproute2", file: "/usr/sbin/ip" },
  { pkg: "mount", file: "/usr/bin/umount" },
];

export const CNI_BIN_DIR = "/usr/lib/cni";

function sh(cmd: string[]): { code: number; out: string } {
  const proc = Bun.spawnSync(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: proc.exitCode ?? 1, out: `${proc.stdout}${proc.stderr}`.trim() };
}

function lastLine(text: string): string {
  return text.split("\n").filter(Boolean).at(-1) ?? "";
}

/** The busybox-static binary must be static: it is copied into an image with nothing else. */
function busyboxIsStatic(): boolean {
  return existsSync("/bin/busybox") && !sh(["ldd", "/bin/busybox"]).out.includes("=>");
}

/** Installs the packages whose files are missing; returns why that failed, or undefined. */
function installPackages(): string | undefined {
  return installMissing(PACKAGES, busyboxIsStatic() ? [] : ["busybox-static"]);
}

/** The IPv4 address of the interface the default route leaves by: the node's InternalIP. */
export function hostAddress(): string | undefined {
  const route = sh(["ip", "-4", "-o", "route", "show", "default"]).out;
  const dev = /\bdev (\S+)/.exec(route)?.[1];
  const addrs = sh(["ip", "-4", "-o", "addr", "show", ...(dev === undefined ? [] : ["dev", dev])]).out;
  for (const match of addrs.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)) {
    if (!match[1]!.startsWith("127.")) return match[1];
  }
  return undefined;
}

/** The v1 hierarchies (and the v2 one) mounted under /sys/fs/cgroup, as directories. */
export function cgroupMounts(): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[2] === "cgroup" || f[2] === "cgroup2")
    .map((f) => f[1]!)
    .filter((dir) => dir.startsWith("/sys/fs/cgroup"));
}

/**
 * Why this machine cannot run a real node, in one line, or undefined when it can. Missing
 * packages are installed first.
 */
export function realNodeUnavailable(): string | undefined {
  const why = (reason: string) => `real node unavailable: ${reason}`;
  if (process.platform !== "linux") return why(`needs Linux, this is ${process.platform}`);
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return why(`needs root (running as uid ${uid}) for mounts, cgroups and network namespaces`);
  const mounts = cgroupMounts();
  if (!mounts.some((m) => m.endsWith("/memory") || m === "/sys/fs/cgroup")) return why("no memory cgroup under /sys/fs/cgroup");
  const install = installPackages();
  if (install !== undefined) return why(install);
  if (hostAddress() === undefined) return why("no non-loopback IPv4 address for the node and the API server");
  const iptables = sh(["iptables", "-t", "nat", "-S"]);
  if (iptables.code !== 0) return why(`iptables does not work: ${lastLine(iptables.out)}`);
  return undefined;
}
