import { describe, expect, test } from "bun:test";
import { cdf, renderChart, ticks } from "./svg.ts";

describe("ticks()", () => {
  test("ticks() covers the range in 1-2-5 steps", () => {
    expect(ticks(0, 9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
  });
  test("ticks() on a log axis gives powers of ten around the range", () => {
    expect(ticks(3, 4500, true)).toEqual([1, 10, 100, 1000, 10000]);
  });
});

describe("cdf()", () => {
  test("cdf() sorts the samples and ends at 1", () => {
    expect(cdf([3, 1, 2, 4])).toEqual([
      [1, 0.25],
      [2, 0.5],
      [3, 0.75],
      [4, 1],
    ]);
  });
});

describe("renderChart()", () => {
  const svg = renderChart({
    title: "a <title>",
    x: { label: "x" },
    y: { label: "y" },
    series: [
      {
        label: "line",
        points: [
          [0, 0],
          [5, 10],
        ],
      },
      {
        label: "steps",
        points: [
          [1, 1],
          [2, 3],
        ],
        step: true,
        dashed: true,
      },
      { label: "dots", points: [[3, 3]], markers: true },
    ],
  });
  test("renderChart() writes one SVG document with an escaped title and a legend entry per series", () => {
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("a &lt;title&gt;");
    for (const name of ["line", "steps", "dots"]) expect(svg).toContain(`>${name}</text>`);
  });
  test("renderChart() draws a step series with a corner between its points and marks points as circles", () => {
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg.match(/<circle/g)?.length).toBe(1);
  });
});
