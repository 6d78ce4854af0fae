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
const table = (title: string, rows: SelfTime[]): string[] => [
  `| ${title} | self samples | share |`,
  "| --- | --- | --- |",
  ...rows.slice(0, top).map((r) => `| \`${r.entry.replaceAll("|", "\\|")}\` | ${r.samples} | ${(r.share * 100).toFixed(1)}% |`),
  "",
];
const total = selfTimes(profiles, "source", fromMs * 1000).reduce((a, r) => a + r.samples, 0);
console.log(`${profiles.length} profile(s), ${total} samples after the first ${fromMs} ms of each\n`);
console.log(
  [
    ...table("function", selfTimes(profiles, "function", fromMs * 1000)),
    ...table("source", selfTimes(profiles, "source", fromMs * 1000)),
  ].join("\n"),
);
