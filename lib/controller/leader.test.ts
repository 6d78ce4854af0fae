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
});
