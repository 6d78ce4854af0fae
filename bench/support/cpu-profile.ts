// Where a process's CPU went, from a `bun --cpu-prof` profile (Chrome's .cpuprofile format): self samples
// by function and by file, the top entries of which docs/scale.md quotes. JavaScriptCore's sampler takes
// a sample only while JavaScript (or a runtime call it made) runs, and the time since the previous
// sample includes any idle wait, so samples, not time deltas, say where the CPU went.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  startTime: number;
  samples: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

export interface SelfTime {
  /** A function as `name (file:line)`, or a file, a package, or a runtime entry such as `(garbage collector)`. */
  entry: string;
  samples: number;
  share: number;
}

/** Where a frame comes from: a package under node_modules, a path of the repository, or the runtime. @internal */
export function sourceOf(url: string): string {
  if (!url) return "(runtime)";
  const path = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg) return pkg;
  const own = /\/((?:lib|bench|tests|scripts)\/.*|main\.ts)$/.exec(path)?.[1];
  return own ?? path.split("/").slice(-2).join("/");
}

/**
 * Self samples per entry over one or more profiles, most first, leaving out each profile's first
 * `skipUs` µs (start-up). `by` groups the frames: per function, or per source (file or package).
 */
export function selfTimes(profiles: CpuProfile | readonly CpuProfile[], by: "function" | "source", skipUs = 0): SelfTime[] {
  const totals = new Map<string, number>();
  let all = 0;
  for (const profile of [profiles].flat()) {
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      at += profile.timeDeltas[i] ?? 0;
      if (at < profile.startTime + skipUs) return;
      const frame = frames.get(id);
      if (!frame || frame.functionName === "(idle)" || frame.functionName === "(program)") return;
      const source = sourceOf(frame.url);
      const key =
        by === "source"
          ? source
          : frame.url
            ? `${frame.functionName || "(anonymous)"} (${source}:${frame.lineNumber + 1})`
            : frame.functionName || "(anonymous)";
      totals.set(key, (totals.get(key) ?? 0) + 1);
      all++;
    });
  }
  return [...totals].map(([entry, samples]) => ({ entry, samples, share: samples / all })).sort((a, b) => b.samples - a.samples);
}
