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

  test("unlessEcho() acts at once on an event that is no echo", () => {
    const echoes = new Echoes();
    let acted = 0;
    echoes.unlessEcho("ns/a", "5", () => acted++);
    expect(acted).toBe(1);
  });

  test("an echo that arrives before its write's answer is still recognised once the answer comes", async () => {
    const echoes = new Echoes();
    const answer = Promise.withResolvers<{ resourceVersion: string }>();
    const writer = (async () => {
      const { resourceVersion } = await echoes.writing("ns/a", answer.promise);
      echoes.wrote("ns/a", resourceVersion);
    })();
    let acted = 0;
    echoes.unlessEcho("ns/a", "7", () => acted++);
    expect(acted).toBe(0);
    answer.resolve({ resourceVersion: "7" });
    await writer;
    await Bun.sleep(0);
    expect(acted).toBe(0);
  });

  test("an event that arrives during a write that fails is acted on once the write has failed", async () => {
    const echoes = new Echoes();
    const answer = Promise.withResolvers<never>();
    const writer = echoes.writing("ns/a", answer.promise).catch(() => undefined);
    let acted = 0;
    echoes.unlessEcho("ns/a", "8", () => acted++);
    answer.reject(new Error("409 Conflict"));
    await writer;
    await Bun.sleep(0);
    expect(acted).toBe(1);
  });
});
