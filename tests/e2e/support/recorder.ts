// Scrapes /metrics of a few targets once a second, as Prometheus would, keeping every scrape for promtool.

import { parseScrape, type Scrape } from "../../support/recording.ts";

export interface ScrapeTarget {
  url: string;
  /** The target labels Prometheus would add (namespace, pod, job). */
  labels: Record<string, string>;
}

const INTERVAL_MS = 1_000;

export class Recorder {
  /** One merged scrape of every target per second; a target that does not answer is missing from it. */
  readonly scrapes: Scrape[] = [];
  private stopped = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly targets: ScrapeTarget[],
    private readonly keep: (name: string) => boolean,
  ) {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
  }

  /** The index of the first scrape from `from` on for which `check` holds, waiting for new scrapes up to `timeoutMs`. */
  async until(what: string, check: (scrape: Scrape) => boolean, from = 0, timeoutMs = 60_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (let i = from; ; i++) {
      while (i >= this.scrapes.length) {
        if (this.stopped || performance.now() > deadline) throw new Error(`timed out waiting for ${what} in the scrapes`);
        await new Promise<void>((resolve) => {
          this.waiters.add(resolve);
          setTimeout(resolve, 200);
        });
      }
      if (check(this.scrapes[i]!)) return i;
    }
  }

  private async loop(): Promise<void> {
    const started = performance.now();
    while (!this.stopped) {
      const scrape: Scrape = new Map();
      await Promise.all(this.targets.map(async (target) => this.scrape(target, scrape)));
      if (this.stopped) return;
      this.scrapes.push(scrape);
      for (const wake of this.waiters) wake();
      this.waiters.clear();
      // On the second grid, so the n-th scrape is n seconds in, as promtool replays it.
      await Bun.sleep(Math.max(0, started + this.scrapes.length * INTERVAL_MS - performance.now()));
    }
  }

  private async scrape(target: ScrapeTarget, into: Scrape): Promise<void> {
    try {
      const response = await fetch(target.url, { signal: AbortSignal.timeout(INTERVAL_MS / 2) });
      for (const [series, value] of parseScrape(await response.text(), target.labels, this.keep)) into.set(series, value);
    } catch {
      // Down: missing from this scrape, as Prometheus records a failed scrape.
    }
  }
}
