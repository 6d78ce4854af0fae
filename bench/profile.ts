// `bun run bench/profile.ts FILE.cpuprofile... [--from-ms N] [--top N]`: where the CPU of processes
// profiled with `bun --cpu-prof` went (e.g. the operator in a burst, BENCH_CPU_PROFILE=<dir>), as the
// Markdown tables docs/scale.md quotes: self samples by function and by source file or package.
// --from-ms leaves out each profile's first N ms (start-up); the profiles' samples are added up.

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
  const counts = new Map<string, number>();
  for (const p of profiles)
    for (const t of selfTimes(p, by, p.startTime + fromMs * 1000)) counts.set(t.entry, (counts.get(t.entry) ?? 0) + t.samples);
  const all = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts].map(([entry, n]) => ({ entry, samples: n, share: n / all })).sort((a, b) => b.samples - a.samples);
};
const table = (title: string, rows: SelfTime[]): string[] => [
  `| ${title} | self samples | share |`,
  "| --- | --- | --- |",
  ...rows.slice(0, top).map((r) => `| \`${r.entry.replaceAll("|", "\\|")}\` | ${r.samples} | ${(r.share * 100).toFixed(1)}% |`),
  "",
];
const total = merge("source").reduce((a, r) => a + r.samples, 0);
console.log(`${profiles.length} profile(s), ${total} samples after the first ${fromMs} ms of each\n`);
console.log([...table("function", merge("function")), ...table("source", merge("source"))].join("\n"));
