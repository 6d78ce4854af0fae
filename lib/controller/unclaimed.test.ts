import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { ApiError } from "../kube/errors.ts";
import { Metrics } from "../observe/metrics.ts";
import { Echoes } from "./echoes.ts";
import { EventRecorder } from "./events.ts";
import { HookCache } from "./hook-cache.ts";
import { StatusWriter } from "./status-writer.ts";
import { reportUnclaimed } from "./unclaimed.ts";

const quiet = pino({ level: "silent" });

describe("reportUnclaimed()", () => {
  test("reportUnclaimed() says so on the other hooks of a pass when one status write fails", async () => {
    const client = new MemoryClient();
    const created = new Date(Date.now() - 120_000);
    for (const name of ["a", "b", "c"]) client.addHook(name, { hookName: "x", nodeName: "nowhere" }, { created });
    client.addHook("taken", { hookName: "x", nodeName: "node-a" }, { created, status: { phase: "Running", jobName: "j" } });
    client.faults.updateHookStatus = (hook) =>
      hook.metadata.name === "a" ? new ApiError("etcdserver: request timed out", 500, "InternalError") : undefined;
    const events = new EventRecorder(client, "node-a", quiet, () => new Date());
    const statusWriter = new StatusWriter({ client, hooks: new HookCache(), events, echoes: new Echoes(), logger: quiet });
    const stop = new AbortController();
    const run = reportUnclaimed(
      {
        ...{ client, namespace: "plexd-system", fieldSelector: undefined, config: { afterMs: 60_000, everyMs: 5 } },
        ...{ statusWriter, events, logger: quiet, now: () => new Date(), metrics: new Metrics() },
      },
      stop.signal,
    );
    const started = Date.now();
    while (client.hook("c")?.status?.phase !== "Pending" && Date.now() - started < 2_000) await Bun.sleep(5);
    stop.abort();
    await run;
    const said = (name: string) => client.hook(name)?.status?.message?.startsWith("No plexd-hook controller has taken this hook");
    expect(["a", "b", "c", "taken"].map(said)).toEqual([undefined, true, true, undefined]);
  });

  test("plexd_hook_unclaimed_hooks counts the hooks past the window no one took, reported or not; 0 once the duty stops", async () => {
    const client = new MemoryClient();
    const old = new Date(Date.now() - 120_000);
    const reported = {
      phase: "Pending" as const,
      conditions: [
        { type: "JobCreated", status: "False" as const, reason: "NoController", message: "m", lastTransitionTime: "" },
      ],
    };
    const hooks: Array<[string, object, { created?: Date; status?: object }]> = [
      ["new-unreported", { nodeName: "nowhere" }, { created: old }],
      ["already-reported", { nodeName: "nowhere" }, { created: old, status: reported }],
      ["too-young", { nodeName: "nowhere" }, {}],
      ["taken", { nodeName: "node-a" }, { created: old, status: { phase: "Running", nodeName: "node-a", jobName: "j" } }],
      ["ended", { nodeName: "node-a" }, { created: old, status: { phase: "Failed" } }],
      ["untargeted", {}, { created: old }],
    ];
    for (const [name, spec, extra] of hooks) client.addHook(name, { hookName: "x", ...spec }, extra as never);
    const events = new EventRecorder(client, "fleet", quiet, () => new Date());
    const statusWriter = new StatusWriter({ client, hooks: new HookCache(), events, echoes: new Echoes(), logger: quiet });
    const metrics = new Metrics();
    const gauge = async () => (await metrics.unclaimedHooks.get()).values[0]?.value;
    metrics.unclaimedHooks.set(-1);
    const stop = new AbortController();
    const run = reportUnclaimed(
      {
        ...{ client, namespace: "plexd-system", fieldSelector: undefined, config: { afterMs: 60_000, everyMs: 5 } },
        ...{ statusWriter, events, logger: quiet, now: () => new Date(), metrics },
      },
      stop.signal,
    );
    const started = Date.now();
    while ((await gauge()) === -1 && Date.now() - started < 2_000) await Bun.sleep(5);
    expect(await gauge()).toBe(2);
    // The next pass sees new-unreported reported now: still 2, not 1.
    await Bun.sleep(30);
    expect(await gauge()).toBe(2);
    stop.abort();
    await run;
    expect(await gauge()).toBe(0);
  });
});
