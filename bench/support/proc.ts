// What the kernel says about a process and the machine: CPU seconds, VmRSS, load, cores and memory.

import { readdirSync, readFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS in MB; Bun's process.memoryUsage().rss under-reports, the kernel's count is the one that matters. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const cpu = (readFileSync("/proc/stat", "utf8").split("\n")[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/** The 1, 5 and 15 minute load averages. */
export function loadavg(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

export interface Machine {
  name: string;
  cores: number;
  cpu: string;
  memoryGb: number;
}

export function machine(): Machine {
  const all = cpus();
  return {
    name: hostname().split(".")[0] || "machine",
    cores: all.length,
    cpu: all[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
  };
}

/** The pid of the process whose command line contains every one of `parts` (e.g. a cluster's kube-apiserver). */
export function findPid(...parts: string[]): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (parts.every((p) => cmdline.includes(p))) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** Measures a phase: the actor's CPU seconds and how busy the machine was. */
export async function measured<T>(
  pid: number,
  run: () => Promise<T>,
): Promise<{ result: T; actorCpu: number; machineBusy: number }> {
  const cpu0 = cpuSeconds(pid);
  const m0 = machineTicks();
  const result = await run();
  const m1 = machineTicks();
  return { result, actorCpu: cpuSeconds(pid) - cpu0, machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total) };
}
