import { describe, expect, setSystemTime, test } from "bun:test";
import { pino } from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import type { Lease, WatchEvent } from "../kube/client.ts";
import { ApiError } from "../kube/errors.ts";
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
    elapsed: () => clock.now,
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

  test("a follower judges expiry on the monotonic clock: a wall clock jump does not make a held lease free", async () => {
    const client = new MemoryClient();
    const wall = { now: Date.parse("2026-11-22T00:00:00Z") };
    await elector(client, "a", wall).tryAcquireOrRenew();
    const b = new LeaseElector(client, {
      ...{ namespace: "ns", name: "lease", identity: "b", leaseDurationSeconds: 15, retryPeriodMs: 10, takeoverJitterMs: 5 },
      ...{ logger: quiet, onChange: () => {}, now: () => new Date(wall.now) },
    });
    expect(await b.tryAcquireOrRenew()).toBe(false);
    wall.now += 3_600_000;
    expect(await b.tryAcquireOrRenew()).toBe(false);
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

  test("a candidate with takeoverDelayMs defers: one without it, started later, takes the free lease and keeps it", async () => {
    const client = new MemoryClient();
    const deferring: boolean[] = [];
    const eager: boolean[] = [];
    const stop = new AbortController();
    const wall = { now: Date.now() };
    const slow = new LeaseElector(client, {
      ...{ namespace: "ns", name: "lease", identity: "cluster", leaseDurationSeconds: 15, retryPeriodMs: 10 },
      ...{ takeoverJitterMs: 0, takeoverDelayMs: 200, logger: quiet, onChange: (l: boolean) => deferring.push(l) },
    });
    const runs = [slow.run(stop.signal)];
    await Bun.sleep(20);
    runs.push(elector(client, "fleet", wall, eager).run(stop.signal));
    while (eager.length === 0) await Bun.sleep(5);
    await Bun.sleep(300);
    expect({ eager, deferring }).toEqual({ eager: [true], deferring: [] });
    expect((await client.getLease("ns", "lease"))?.spec.holderIdentity).toBe("fleet");
    stop.abort();
    await Promise.all(runs);
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

  test("a follower whose attempts fail (an overloaded API server's 429) backs off instead of trying on its period", async () => {
    const client = new MemoryClient();
    client.putLease = async () => {
      client.log.push("putLease");
      throw new ApiError("PUT lease: too many requests", 429, "TooManyRequests");
    };
    const stop = new AbortController();
    const run = elector(client, "b", { now: Date.now() }).run(stop.signal);
    await Bun.sleep(400);
    stop.abort();
    await run;
    // On its 10 ms period that would be about 30 tries; doubling from 10 ms up to 80 ms, under 15.
    const tries = client.log.filter((c) => c === "putLease").length;
    expect(tries).toBeGreaterThan(2);
    expect(tries).toBeLessThan(15);
  });

  test("a holder whose renewal fails tries again soon, well before its next period, and keeps the lease", async () => {
    const client = new MemoryClient();
    const put = client.putLease.bind(client);
    const changes: boolean[] = [];
    const holder = new LeaseElector(client, {
      ...{ namespace: "ns", name: "lease", identity: "a", leaseDurationSeconds: 15, retryPeriodMs: 600, takeoverJitterMs: 5 },
      ...{ logger: quiet, onChange: (leader: boolean) => changes.push(leader) },
    });
    const stop = new AbortController();
    const run = holder.run(stop.signal);
    while (changes.length === 0) await Bun.sleep(5);
    let failing = 2;
    const tries: number[] = [];
    client.putLease = async (lease) => {
      tries.push(Date.now());
      if (failing-- > 0) throw new ApiError("PUT lease: too many requests", 429, "TooManyRequests");
      return put(lease);
    };
    while (tries.length < 3) await Bun.sleep(5);
    stop.abort();
    await run;
    // Two failures and the renewal that worked, the retries 100–200 ms apart instead of a period (600 ms).
    expect((tries[2] as number) - (tries[0] as number)).toBeLessThan(600);
    expect(changes).toEqual([true, false]);
  });

  test("a late watch event older than the holder's own write does not take the lease from it", async () => {
    const client = new MemoryClient();
    const released = await client.putLease({ metadata: { namespace: "ns", name: "lease" }, spec: { holderIdentity: "" } });
    // A watch that delivers what the test pushes, when it pushes it: the API server's, only late.
    const pushed: Array<WatchEvent<Lease>> = [{ type: "ADDED", object: released }, { type: "SYNCED" }];
    let wake = (): void => {};
    client.watchLease = async (_ns, _name, signal) =>
      (async function* () {
        while (!signal.aborted) {
          const next = pushed.shift();
          if (next) yield next;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      })();
    const changes: boolean[] = [];
    const stop = new AbortController();
    const run = elector(client, "b", { now: Date.now() }, changes).run(stop.signal);
    while (changes.length === 0) await Bun.sleep(5);
    // The MODIFIED event of the release b took over from, arriving after b's own write.
    pushed.push({ type: "MODIFIED", object: released });
    wake();
    await Bun.sleep(100);
    const held = [...changes];
    stop.abort();
    wake();
    await run;
    expect(held).toEqual([true]);
    expect(client.log.filter((c) => c === "putLease").length).toBeGreaterThan(3);
  });

  test("the renew deadline runs on the monotonic clock: a wall clock jump does not end the leadership", async () => {
    const client = new MemoryClient();
    const put = client.putLease.bind(client);
    const changes: boolean[] = [];
    const holder = new LeaseElector(client, {
      ...{ namespace: "ns", name: "lease", identity: "a", leaseDurationSeconds: 15, retryPeriodMs: 30, takeoverJitterMs: 5 },
      ...{ logger: quiet, onChange: (leader: boolean) => changes.push(leader), now: () => new Date("2026-11-22T00:00:00Z") },
    });
    const stop = new AbortController();
    const run = holder.run(stop.signal);
    while (changes.length === 0) await Bun.sleep(5);
    let tries = 0;
    client.putLease = async (lease) => {
      tries++;
      // NTP steps the clock an hour ahead while one renewal fails.
      if (tries === 1) {
        setSystemTime(new Date(Date.now() + 3_600_000));
        throw new ApiError("PUT lease: too many requests", 429, "TooManyRequests");
      }
      return put(lease);
    };
    try {
      while (tries < 3) await Bun.sleep(5);
    } finally {
      setSystemTime();
    }
    const held = [...changes];
    stop.abort();
    await run;
    expect(held).toEqual([true]);
  });
});
