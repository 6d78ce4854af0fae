// `bun run bench/profile.ts FILE.cpuprofile... [--from-ms N] [--top N]`: where the CPU of processes
// profiled with `bun --cpu-prof` went (e.g. the operator in a burst, BENCH_CPU_PROFILE=<dir>), as the
// Markdown tables docs/scale.md quotes: self time by function and by source file or package.
// --from-ms leaves out each profile's first N ms (start-up); the profiles' times are added up.

import { readFileSync } from "node:fs";
import { type CpuProfile, type SelfTime, selfTimes } from "./support/cpu-profile.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args.splice(i, 2)[1]);
};
const fromMs = option("--from-ms", 0);
const top = option("--top", 15);
if (!args.length) throw new Error("usage: bun run bench/profile.ts FILE.cpuprofile... [--from-ms N] [--top N]");

const profiles = args.map((f) => JSON.parse(readFileSync(f, "utf8")) as CpuProfile);
const merge = (by: "function" | "source"): SelfTime[] => {
  const ms = new Map<string, number>();
  for (const p of profiles)
    for (const t of selfTimes(p, by, p.startTime + fromMs * 1000)) ms.set(t.entry, (ms.get(t.entry) ?? 0) + t.ms);
  const all = [...ms.values()].reduce((a, b) => a + b, 0);
  return [...ms].map(([entry, t]) => ({ entry, ms: t, share: t / all })).sort((a, b) => b.ms - a.ms);
};
const table = (title: string, rows: SelfTime[]): string[] => [
  `| ${title} | self ms | share |`,
  "| --- | --- | --- |",
  ...rows
    .slice(0, top)
    .map((r) => `| \`${r.entry.replaceAll("|", "\\|")}\` | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)}% |`),
  "",
];
const total = merge("source").reduce((a, r) => a + r.ms, 0);
console.log(`${profiles.length} profile(s), ${total.toFixed(0)} ms of samples after the first ${fromMs} ms of each\n`);
console.log([...table("function", merge("function")), ...table("source", merge("source"))].join("\n"));
