import { describe, expect, test } from "bun:test";
import { Echoes } from "./echoes.ts";

describe("Echoes", () => {
  test("isEcho() is true once for the resourceVersion this controller wrote", () => {
    const echoes = new Echoes();
    echoes.wrote("ns/a", "10");
    expect(echoes.isEcho("ns/a", "10")).toBe(true);
    expect(echoes.isEcho("ns/a", "10")).toBe(false);
  });

  test("isEcho() is false for another version, and the echo still counts when it comes later", () => {
    const echoes = new Echoes();
    echoes.wrote("ns/a", "12");
    expect(echoes.isEcho("ns/a", "11")).toBe(false);
    expect(echoes.isEcho("ns/b", "12")).toBe(false);
    expect(echoes.isEcho("ns/a", undefined)).toBe(false);
    expect(echoes.isEcho("ns/a", "12")).toBe(true);
  });

  test("a later write replaces the earlier one's expected echo", () => {
    const echoes = new Echoes();
    echoes.wrote("ns/a", "10");
    echoes.wrote("ns/a", "11");
    expect(echoes.isEcho("ns/a", "10")).toBe(false);
    expect(echoes.isEcho("ns/a", "11")).toBe(true);
  });

  test("wrote() without a resourceVersion remembers nothing", () => {
    const echoes = new Echoes();
    echoes.wrote("ns/a", undefined);
    expect(echoes.isEcho("ns/a", "")).toBe(false);
  });

  test("forgets the oldest writes beyond its bound", () => {
    const echoes = new Echoes();
    for (let i = 0; i <= 10_000; i++) echoes.wrote(`ns/h${i}`, "1");
    expect(echoes.isEcho("ns/h0", "1")).toBe(false);
    expect(echoes.isEcho("ns/h10000", "1")).toBe(true);
  });
});
