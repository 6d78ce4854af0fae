import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { seedSpec } from "../../tests/support/seed.ts";
import { newestPod } from "../core/pods.ts";
import type { PlexdHook, PlexdHookStatus, Pod } from "../core/types.ts";
import { ApiError } from "../kube/errors.ts";
import { OutputReader } from "./output.ts";

const quiet = pino({ level: "silent" });
const job = { metadata: { name: "plexdhook-h", uid: "job-uid" } };
const hook = (output?: { tailLines?: number; maxBytes?: number }, status?: PlexdHookStatus): PlexdHook => ({
  metadata: { name: "h", namespace: "ns", uid: "u" },
  spec: seedSpec({ output }),
  status,
});
const pod = (name: string, created: string): Pod => ({
  metadata: { name, creationTimestamp: new Date(created) },
  spec: { nodeName: "node-a", containers: [] },
});

/** A recorded log source: the pods of the Job and what their hook container printed. */
function recorded(log: string, pods = [pod("p1", "2026-01-01T00:00:00Z")]) {
  const asked: unknown[] = [];
  const client = {
    listPods: async (_ns: string, selector: string) => (selector === "batch.kubernetes.io/controller-uid=job-uid" ? pods : []),
    podLog: async (_ns: string, name: string, container: string, limits: { tailLines: number; limitBytes: number }) => {
      asked.push({ name, container, ...limits });
      return log;
    },
  };
  const clock = { now: Date.parse("2026-11-22T10:00:00Z") };
  return { asked, client, clock, reader: new OutputReader(client, quiet, () => new Date(clock.now)) };
}

describe("OutputReader.withOutput()", () => {
  const done: PlexdHookStatus = { phase: "Succeeded", jobName: "plexdhook-h", message: "Job plexdhook-h succeeded" };

  test("keeps the log's tail in status.output when the hook ends, cut to maxBytes", async () => {
    const { reader, asked } = recorded("Filesystem Size\n/dev/sda1 10G\n");
    const status = await reader.withOutput(hook({ tailLines: 20, maxBytes: 14 }), job, done);
    expect(status).toEqual({ ...done, output: "/dev/sda1 10G\n" });
    expect(asked).toEqual([{ name: "p1", container: "hook", tailLines: 20, limitBytes: 1 << 20 }]);
  });

  test("asks for nothing when the hook keeps no output, or has not ended, or had already ended", async () => {
    const { reader, asked } = recorded("x");
    expect(await reader.withOutput(hook(undefined), job, done)).toBe(done);
    expect(await reader.withOutput(hook({ tailLines: 0 }), job, done)).toBe(done);
    const running: PlexdHookStatus = { phase: "Running" };
    expect(await reader.withOutput(hook({ tailLines: 5 }), job, running)).toBe(running);
    expect(await reader.withOutput(hook({ tailLines: 5 }, done), job, done)).toBe(done);
    expect(asked).toEqual([]);
  });

  test("writes the outcome without output when the log cannot be read, and says why in the message", async () => {
    const { client, reader } = recorded("x");
    client.podLog = async () => {
      throw new ApiError("pods/log: container hook is not valid for pod p1", 400, "BadRequest");
    };
    expect(await reader.withOutput(hook({ tailLines: 5 }), job, done)).toEqual({
      ...done,
      message:
        "Job plexdhook-h succeeded; its output was not kept: the log of pod p1 on node node-a could not be read: pods/log: container hook is not valid for pod p1",
    });
    const { reader: empty } = recorded("x", []);
    const failed: PlexdHookStatus = { phase: "Failed" };
    expect(await empty.withOutput(hook({ tailLines: 5 }), job, failed)).toEqual({
      phase: "Failed",
      message: "Output not kept: Job plexdhook-h has no pod",
    });
  });

  test("a node whose kubelet did not answer is not asked again for a minute; one that refused is", async () => {
    const { client, clock, reader } = recorded("x");
    const asked: string[] = [];
    client.podLog = async (_ns, name) => {
      asked.push(name);
      throw new ApiError("GET pods/log: the request timed out", 0, "Timeout");
    };
    await reader.withOutput(hook({ tailLines: 5 }), job, done);
    const skipped = await reader.withOutput(hook({ tailLines: 5 }), job, done);
    expect(skipped.message).toBe(
      "Job plexdhook-h succeeded; its output was not kept: the log of pod p1 on node node-a was not asked for: the node's kubelet did not answer a moment ago (GET pods/log: the request timed out)",
    );
    clock.now += 60_000;
    await reader.withOutput(hook({ tailLines: 5 }), job, done);
    expect(asked).toEqual(["p1", "p1"]);
    client.podLog = async (_ns, name) => {
      asked.push(name);
      throw new ApiError("pods/log is forbidden", 403, "Forbidden");
    };
    clock.now += 60_000;
    await reader.withOutput(hook({ tailLines: 5 }), job, done);
    await reader.withOutput(hook({ tailLines: 5 }), job, done);
    expect(asked).toEqual(["p1", "p1", "p1", "p1"]);
  });

  test("newestPod() picks the latest attempt", () => {
    expect(newestPod([pod("a", "2026-01-01T00:00:00Z"), pod("b", "2026-01-02T00:00:00Z")])?.metadata?.name).toBe("b");
    expect(newestPod([])).toBeUndefined();
  });
});
