import { describe, expect, test } from "bun:test";
import { pino } from "pino";
import { seedSpec } from "../../tests/support/seed.ts";
import { newestPod } from "../core/pods.ts";
import type { PlexdHook, PlexdHookStatus, Pod } from "../core/types.ts";
import { withOutput } from "./output.ts";

const quiet = pino({ level: "silent" });
const job = { metadata: { name: "plexdhook-h", uid: "job-uid" } };
const hook = (output?: { tailLines?: number; maxBytes?: number }, status?: PlexdHookStatus): PlexdHook => ({
  metadata: { name: "h", namespace: "ns", uid: "u" },
  spec: seedSpec({ output }),
  status,
});
const pod = (name: string, created: string): Pod => ({ metadata: { name, creationTimestamp: new Date(created) } });

/** A recorded log source: the pods of the Job and what their hook container printed. */
function recorded(log: string, pods = [pod("p1", "2026-01-01T00:00:00Z")]) {
  const asked: unknown[] = [];
  return {
    asked,
    client: {
      listPods: async (_ns: string, selector: string) => (selector === "batch.kubernetes.io/controller-uid=job-uid" ? pods : []),
      podLog: async (_ns: string, name: string, container: string, limits: { tailLines: number; limitBytes: number }) => {
        asked.push({ name, container, ...limits });
        return log;
      },
    },
  };
}

describe("withOutput()", () => {
  const done: PlexdHookStatus = { phase: "Succeeded", jobName: "plexdhook-h" };

  test("keeps the log's tail in status.output when the hook ends, cut to maxBytes", async () => {
    const { client, asked } = recorded("Filesystem Size\n/dev/sda1 10G\n");
    const status = await withOutput(client, hook({ tailLines: 20, maxBytes: 14 }), job, done, quiet);
    expect(status).toEqual({ ...done, output: "/dev/sda1 10G\n" });
    expect(asked).toEqual([{ name: "p1", container: "hook", tailLines: 20, limitBytes: 1 << 20 }]);
  });

  test("asks for nothing when the hook keeps no output, or has not ended, or had already ended", async () => {
    const { client, asked } = recorded("x");
    expect(await withOutput(client, hook(undefined), job, done, quiet)).toBe(done);
    expect(await withOutput(client, hook({ tailLines: 0 }), job, done, quiet)).toBe(done);
    const running: PlexdHookStatus = { phase: "Running" };
    expect(await withOutput(client, hook({ tailLines: 5 }), job, running, quiet)).toBe(running);
    expect(await withOutput(client, hook({ tailLines: 5 }, done), job, done, quiet)).toBe(done);
    expect(asked).toEqual([]);
  });

  test("writes the outcome without output when the log cannot be read", async () => {
    const { client } = recorded("x");
    client.podLog = async () => {
      throw new Error("dial tcp 10.0.0.1:10250: connect: connection refused");
    };
    expect(await withOutput(client, hook({ tailLines: 5 }), job, done, quiet)).toBe(done);
  });

  test("newestPod() picks the latest attempt", () => {
    expect(newestPod([pod("a", "2026-01-01T00:00:00Z"), pod("b", "2026-01-02T00:00:00Z")])?.metadata?.name).toBe("b");
    expect(newestPod([])).toBeUndefined();
  });
});
