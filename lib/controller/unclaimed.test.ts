import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { MemoryClient } from "../../tests/support/memory-client.ts";
import { ApiError } from "../kube/errors.ts";
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
    const status = new StatusWriter({ client, hooks: new HookCache(), events, echoes: new Echoes(), logger: quiet });
    const stop = new AbortController();
    const run = reportUnclaimed(
      {
        ...{ client, namespace: "plexd-system", fieldSelector: undefined, config: { afterMs: 60_000, everyMs: 5 } },
        ...{ status, events, logger: quiet, now: () => new Date() },
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
});
