// Series scraped from real /metrics endpoints, kept per scrape, and written as promtool's input_series.

/** One scrape of every target: series (`name{labels}`) → value. */
export type Scrape = Map<string, number>;

const LINE = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$/;

/** The series of a text exposition whose metric `keep` wants, with `target`'s labels added as Prometheus adds them. */
export function parseScrape(text: string, target: Record<string, string>, keep: (name: string) => boolean): Scrape {
  const extra = Object.entries(target).map(([k, v]) => `${k}="${v}"`);
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
export function ruleTestFile(
  ruleFile: string,
  series: ReturnType<typeof inputSeries>,
  intervalSeconds: number,
  cases: AlertCase[],
) {
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
