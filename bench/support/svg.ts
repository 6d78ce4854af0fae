// A small SVG line chart writer for the benchmark plots: lines or points per series, axes with round ticks,
// a legend, optional logarithmic axes. No dependency; the output is a self-contained SVG document.

export interface Series {
  label: string;
  points: Array<[number, number]>;
  /** Drawn dashed (an extrapolation, a budget line). */
  dashed?: boolean;
  /** Markers at each point instead of a line. */
  markers?: boolean;
  /** Steps (a CDF, a progress count) instead of straight segments. */
  step?: boolean;
}

export interface Chart {
  title: string;
  x: { label: string; log?: boolean };
  y: { label: string; log?: boolean };
  series: Series[];
  width?: number;
  height?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#7f7f7f"];
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** @internal Round tick values covering [lo, hi]: 1-2-5 steps on a linear axis, powers of ten on a log axis. */
export function ticks(lo: number, hi: number, log = false): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out;
  }
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if ((out[out.length - 1] ?? lo) < hi) out.push(Number(((out[out.length - 1] ?? lo) + step).toPrecision(12)));
  return out;
}

const label = (v: number): string =>
  Math.abs(v) >= 10_000 ? `${v / 1000}k` : Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(0) : String(Number(v.toPrecision(4)));

/** Renders `chart` as an SVG document. */
export function renderChart(chart: Chart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 400;
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const positive = (v: number, log?: boolean): boolean => !log || v > 0;
  const xs = all.map(([x]) => x).filter((x) => positive(x, chart.x.log));
  const ys = all.map(([, y]) => y).filter((y) => positive(y, chart.y.log));
  const xTicks = ticks(chart.x.log ? Math.min(...xs, 1) : Math.min(0, ...xs), Math.max(...xs, 1), chart.x.log);
  const yTicks = ticks(chart.y.log ? Math.min(...ys, 1) : Math.min(0, ...ys), Math.max(...ys, 1), chart.y.log);
  const scale = (values: number[], from: number, to: number, log?: boolean) => {
    const f = (v: number): number => (log ? Math.log10(v) : v);
    const lo = f(values[0] as number);
    const hi = f(values[values.length - 1] as number);
    return (v: number): number => from + ((f(v) - lo) / (hi - lo || 1)) * (to - from);
  };
  const px = scale(xTicks, MARGIN.left, width - MARGIN.right, chart.x.log);
  const py = scale(yTicks, height - MARGIN.bottom, MARGIN.top, chart.y.log);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(chart.title)}</text>`,
  ];
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${height - MARGIN.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${width - MARGIN.right}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`);
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${width - MARGIN.left - MARGIN.right}" height="${height - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#333"/>`,
    `<text x="${(MARGIN.left + width - MARGIN.right) / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(chart.x.label)}</text>`,
    `<text transform="translate(16 ${(MARGIN.top + height - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.y.label)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => positive(x, chart.x.log) && positive(y, chart.y.log) && Number.isFinite(x + y));
    if (s.markers) {
      for (const [x, y] of pts) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    } else if (pts.length) {
      const coords: string[] = [];
      pts.forEach(([x, y], j) => {
        if (s.step && j > 0) coords.push(`${px(x).toFixed(1)},${py((pts[j - 1] as [number, number])[1]).toFixed(1)}`);
        coords.push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
      });
      const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
      out.push(`<polyline points="${coords.join(" ")}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    const ly = MARGIN.top + 14 + i * 16;
    out.push(`<rect x="${MARGIN.left + 10}" y="${ly - 8}" width="12" height="4" fill="${color}"/>`);
    out.push(`<text x="${MARGIN.left + 28}" y="${ly - 2}">${escapeXml(s.label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** The empirical CDF of `values`: [value, fraction ≤ value] per sample, for a step series. */
export function cdf(values: number[]): Array<[number, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.map((v, i) => [v, (i + 1) / sorted.length]);
}
