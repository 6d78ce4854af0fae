// Series scraped from real /metrics endpoints, kept per scrape, and replayed by promtool test rules.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

/** One scrape of every target: series (`name{labels}`) → value. */
export type Scrape = Map<string, number>;

const LINE = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$/;

/** `k="v",...`: labels as they appear in a series name. */
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
}

/** The series of a text exposition whose metric `keep` wants, with `target`'s labels added as Prometheus adds them. */
export function parseScrape(text: string, target: Record<string, string>, keep: (name: string) => boolean): Scrape {
  const extra = Object.keys(target).length > 0 ? [labelText(target)] : [];
  const scrape: Scrape = new Map();
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    if (!match || !keep(match[1]!)) continue;
    const own = match[2] ? [match[2].slice(1, -1)] : [];
    scrape.set(`${match[1]}{${[...own, ...extra].join(",")}}`, Number(match[3]));
  }
  return scrape;
}

/** The sum of the series of `name` in a scrape whose labels include all of `labels`. */
export function valueIn(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const [series, value] of scrape) {
    if (series.startsWith(`${name}{`) && want.every((w) => series.includes(w))) sum += value;
  }
  return sum;
}

/**
 * promtool input_series for `scrapes` taken one interval apart: `_` before a series exists, `stale` where
 * it vanished (as Prometheus marks a target gone), and after the last scrape its values held `hold` more intervals.
 */
export function inputSeries(scrapes: readonly Scrape[], hold: number): { series: string; values: string }[] {
  const names = [...new Set(scrapes.flatMap((s) => [...s.keys()]))].sort();
  return names.map((series) => {
    const values: string[] = [];
    let present = false;
    for (const scrape of scrapes) {
      const value = scrape.get(series);
      values.push(value !== undefined ? String(value) : present ? "stale" : "_");
      present = value !== undefined;
    }
    const last = scrapes.at(-1)?.get(series);
    if (last !== undefined && hold > 0) values.push(`${last}x${hold}`);
    return { series, values: values.join(" ") };
  });
}

export interface AlertCase {
  alertname: string;
  /** Seconds after the first scrape. */
  at: number;
  /** The labels of each alert expected to fire, besides alertname. */
  firing: Record<string, string>[];
}

/** A promtool test file over `series`, checking only alert labels (annotations quote values). */
function ruleTestFile(ruleFile: string, series: ReturnType<typeof inputSeries>, intervalSeconds: number, cases: AlertCase[]) {
  return {
    rule_files: [ruleFile],
    evaluation_interval: `${intervalSeconds}s`,
    tests: [
      {
        interval: `${intervalSeconds}s`,
        input_series: series,
        alert_rule_test: cases.map(({ alertname, at, firing }) => ({
          alertname,
          eval_time: `${Math.round(at)}s`,
          exp_alerts: firing.map((labels) => ({ exp_labels: labels })),
        })),
      },
    ],
  };
}

/**
 * Runs `promtool test rules` with the rules of `ruleFile`, less their annotations (they quote values that
 * differ from run to run), over `scrapes` taken a second apart and held `holdSeconds` longer.
 */
export function replayRules(
  promtool: string,
  ruleFile: string,
  scrapes: readonly Scrape[],
  holdSeconds: number,
  cases: AlertCase[],
) {
  const dir = mkdtempSync(join(tmpdir(), "plexd-recorded-"));
  const rules = parse(readFileSync(ruleFile, "utf8"));
  for (const group of rules.groups) for (const rule of group.rules) delete rule.annotations;
  writeFileSync(join(dir, "rules.yaml"), stringify(rules));
  writeFileSync(join(dir, "test.yaml"), stringify(ruleTestFile("rules.yaml", inputSeries(scrapes, holdSeconds), 1, cases)));
  const proc = Bun.spawnSync([promtool, "test", "rules", "test.yaml"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  rmSync(dir, { recursive: true, force: true });
  return { code: proc.exitCode ?? 1, out: `${proc.stdout}${proc.stderr}` };
}

/**
 * The counters of `scrapes` as if the span `from` to `to` (exclusive) had come back every `every` scrapes,
 * `times` times in all: the scrapes before `from`, then each replay with every series raised by what it
 * rose over the span (so the counters keep counting), its last value held until the next replay. A series
 * gone within the span (its pod killed) keeps its last value. Every series of `scrapes` is taken for a counter.
 */
export function repeatSpan(scrapes: readonly Scrape[], from: number, to: number, every: number, times: number): Scrape[] {
  if (to - from > every) throw new RangeError(`a span of ${to - from} scrapes does not fit in ${every}`);
  const before = scrapes[from - 1] ?? new Map<string, number>();
  const span: Scrape[] = [];
  let carried = new Map(before);
  for (const scrape of scrapes.slice(from, to)) {
    carried = new Map([...carried, ...scrape]);
    span.push(carried);
  }
  const end = span.at(-1) ?? before;
  const rise = new Map([...end].map(([series, value]) => [series, value - (before.get(series) ?? 0)]));
  const out = scrapes.slice(0, from);
  for (let round = 0; round < times; round++) {
    for (let i = 0; i < every; i++) {
      const source = span[Math.min(i, span.length - 1)] ?? end;
      const scrape: Scrape = new Map();
      for (const [series, step] of rise) {
        const value = source.get(series) ?? (round > 0 ? (before.get(series) ?? 0) : undefined);
        if (value !== undefined) scrape.set(series, value + round * step);
      }
      out.push(scrape);
    }
  }
  return out;
}

/** The labels of a series named as in a Scrape (`name{k="v",...}`). */
export function seriesLabels(series: string): Record<string, string> {
  return Object.fromEntries([...series.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
}
