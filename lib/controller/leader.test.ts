import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { LeaseElector, microTime } from "./leader.ts";

const quiet = pino({ level: "silent" });

function elector(client: MemoryClient, identity: string, clock: { now: number }, changes: boolean[] = []) {
  return new LeaseElector(client, {
    namespace: "ns",
    name: "lease",
    identity,
    leaseDurationSeconds: 15,
    retryPeriodMs: 10,
    takeoverJitterMs: 5,
    logger: quiet,
    onChange: (leader) => changes.push(leader),
    now: () => new Date(clock.now),
  });
}

describe("LeaseElector", () => {
  test("microTime() writes the six fractional digits metav1.MicroTime requires", () => {
    expect(microTime(new Date("2026-11-22T00:17:38.262Z"))).toBe("2026-11-22T00:17:38.262000Z");
  });

  test("the first candidate takes a free lease and a second one waits", async () => {
    const client = new MemoryClient();
    const clock = { now: Date.parse("2026-11-22T00:00:00Z") };
    expect(await elector(client, "a", clock).tryAcquireOrRenew()).toBe(true);
    expect(await elector(client, "b", clock).tryAcquireOrRenew()).toBe(false);
    expect((await client.getLease("ns", "lease"))?.spec.holderIdentity).toBe("a");
  });

  test("a lease that stops being renewed is taken over once it expires by the taker's own clock", async () => {
    const client = new MemoryClient();
    const clock = { now: Date.parse("2026-11-22T00:00:00Z") };
    await elector(client, "a", clock).tryAcquireOrRenew();
    const b = elector(client, "b", clock);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.now += 14_000;
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.now += 2_000;
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect((await client.getLease("ns", "lease"))?.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  });

  test("run() gives the lease up on stop so the next holder need not wait", async () => {
    const client = new MemoryClient();
    const clock = { now: Date.now() };
    const changes: boolean[] = [];
    const stop = new AbortController();
    const running = elector(client, "a", clock, changes).run(stop.signal);
    while (changes.length === 0) await Bun.sleep(5);
    stop.abort();
    await running;
    expect(changes).toEqual([true, false]);
    expect(await elector(client, "b", clock).tryAcquireOrRenew()).toBe(true);
  });

  test("while the lease is held, a follower watching it makes no request; only the holder renews", async () => {
    const client = new MemoryClient();
    const stop = new AbortController();
    const a: boolean[] = [];
    const b: boolean[] = [];
    const runs = [elector(client, "a", { now: Date.now() }, a).run(stop.signal)];
    while (a.length === 0) await Bun.sleep(5);
    runs.push(elector(client, "b", { now: Date.now() }, b).run(stop.signal));
    await Bun.sleep(50);
    const before = client.log.length;
    await Bun.sleep(200);
    const calls = client.log.slice(before);
    stop.abort();
    await Promise.all(runs);
    expect(b).toEqual([]);
    expect(calls.filter((c) => c === "getLease")).toEqual([]);
    // The holder renews every 10 ms: about 20 writes, each without a read first.
    expect(calls.filter((c) => c === "putLease").length).toBeGreaterThan(5);
  });

  test("a follower takes a released lease at once, long before it would expire", async () => {
    const client = new MemoryClient();
    const stopA = new AbortController();
    const stopB = new AbortController();
    const b: boolean[] = [];
    const slow = (identity: string, changes: boolean[]) =>
      new LeaseElector(client, {
        ...{ namespace: "ns", name: "lease", identity, leaseDurationSeconds: 3_600, retryPeriodMs: 10, takeoverJitterMs: 5 },
        ...{ logger: quiet, onChange: (leader: boolean) => changes.push(leader) },
      });
    const a: boolean[] = [];
    const runA = slow("a", a).run(stopA.signal);
    while (a.length === 0) await Bun.sleep(5);
    const runB = slow("b", b).run(stopB.signal);
    await Bun.sleep(30);
    expect(b).toEqual([]);
    stopA.abort();
    await runA;
    const started = Date.now();
    while (b.length === 0 && Date.now() - started < 2_000) await Bun.sleep(5);
    expect(b).toEqual([true]);
    stopB.abort();
    await runB;
  });
});
