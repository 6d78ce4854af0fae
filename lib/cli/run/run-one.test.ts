import { describe, expect, test } from "bun:test";
import { failsWith, MemoryRunClient } from "../../../tests/support/memory-run-client.ts";
import { ApiError } from "../../kube/errors.ts";
import type { CommandContext } from "./context.ts";
import { parseRunArgs } from "./options.ts";
import { runOne } from "./run-one.ts";

function context(client: MemoryRunClient, extra: Partial<CommandContext> = {}) {
  const seen = { out: "", err: "", asked: [] as string[] };
  const ctx: CommandContext = {
    client,
    server: "https://127.0.0.1:6443",
    out: { write: (s: string) => (seen.out += s) },
    err: { write: (s: string) => (seen.err += s) },
    tty: false,
    now: () => Date.now(),
    signal: new AbortController().signal,
    confirm: async (question) => {
      seen.asked.push(question);
      return false;
    },
    redrawMs: 0,
    ...extra,
  };
  return { ctx, seen };
}

describe("runOne()", () => {
  test("shows each phase, passes the log through to stdout and exits 0 on Succeeded", async () => {
    const client = new MemoryRunClient();
    client.logs.set("run-abcde-node-a", ["Filesystem  Size\n/dev/sda1 ", " 10G\n", "last line without newline"]);
    const { ctx, seen } = context(client);
    const request = parseRunArgs(["node-a", "--name", "run-abcde-node-a", "--", "df", "-h"]);
    expect(await runOne(request, ctx, "plexd-system")).toBe(0);
    expect(seen.out).toBe("Filesystem  Size\n/dev/sda1  10G\nlast line without newline\n");
    const lines = seen.err.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "run-abcde-node-a on node-a: Pending",
      "run-abcde-node-a on node-a: Running",
      "run-abcde-node-a on node-a: Succeeded",
    ]);
    expect(lines.at(-1)).toMatch(/^run-abcde-node-a on node-a: Succeeded in \d+\.\d s$/);
    expect(client.hooks.get("run-abcde-node-a")?.spec.jobTemplate?.command).toEqual(["df"]);
  });

  test("exits with the failed container's exit code and ends with the hook's message", async () => {
    const client = new MemoryRunClient();
    client.script = failsWith(3);
    const { ctx, seen } = context(client);
    expect(await runOne(parseRunArgs(["node-a", "--", "false"]), ctx, "plexd-system")).toBe(3);
    expect(seen.err.trim().split("\n").at(-1)).toMatch(/: Failed after \d+\.\d s: Job .* exited with code 3 \(Error\)$/);
  });

  test("without pods/log it still gives the phase and exit code, and one line saying why no log is shown", async () => {
    const client = new MemoryRunClient();
    client.script = failsWith(7);
    client.logError = new ApiError(
      'GET /apis/batch/v1/namespaces/ns/jobs/x: jobs.batch "x" is forbidden: User "ann" cannot get resource "jobs"',
      403,
      "Forbidden",
    );
    const { ctx, seen } = context(client);
    expect(await runOne(parseRunArgs(["node-a", "--", "false"]), ctx, "ns")).toBe(7);
    const noLog = seen.err.split("\n").filter((line) => line.startsWith("no log shown"));
    expect(noLog).toEqual([
      'no log shown: you may not read the hook\'s Job, pods or pods/log in namespace ns (jobs.batch "x" is forbidden: User "ann" cannot get resource "jobs"); the phase and exit code come from the PlexdHook',
    ]);
  });

  test("--detach prints the hook's name and returns at once", async () => {
    const client = new MemoryRunClient();
    const { ctx, seen } = context(client);
    expect(await runOne(parseRunArgs(["node-a", "--name", "bg", "-d", "--", "sleep", "60"]), ctx, "ns")).toBe(0);
    expect(seen.out).toBe("bg\n");
    expect(seen.err).toBe("");
  });

  test("--rm deletes the hook once it has finished", async () => {
    const client = new MemoryRunClient();
    const { ctx } = context(client);
    await runOne(parseRunArgs(["node-a", "--name", "tmp", "--rm"]), ctx, "ns");
    expect(client.deleted).toEqual(["tmp"]);
  });

  test("--rm that cannot delete the finished hook says so and exits 1", async () => {
    const client = new MemoryRunClient();
    client.deleteHook = async () => {
      throw new ApiError(
        "DELETE /apis/plexd.plexsphere.com/v1alpha1/namespaces/ns/plexdhooks/tmp: connection refused",
        0,
        "Unreachable",
      );
    };
    const { ctx, seen } = context(client);
    expect(await runOne(parseRunArgs(["node-a", "--name", "tmp", "--rm"]), ctx, "ns")).toBe(1);
    expect(seen.err).toContain("error: cannot delete PlexdHook tmp in namespace ns: ");
  });

  test("Ctrl-C with --rm whose delete fails says so instead of 'deleted', and still exits 130", async () => {
    const client = new MemoryRunClient();
    client.stepMs = 60_000;
    client.deleteHook = async () => {
      throw new ApiError("DELETE plexdhooks/long: plexdhooks is forbidden", 403, "Forbidden");
    };
    const abort = new AbortController();
    const { ctx, seen } = context(client, { signal: abort.signal });
    const done = runOne(parseRunArgs(["node-a", "--name", "long", "--rm"]), ctx, "ns");
    await Bun.sleep(20);
    abort.abort();
    expect(await done).toBe(130);
    expect(seen.err).toContain("error: cannot delete PlexdHook long in namespace ns: forbidden: plexdhooks is forbidden\n");
    expect(seen.err).not.toContain("deleted hook long");
  });

  test("Ctrl-C asks whether to delete the hook, and leaves it when the answer is no", async () => {
    const client = new MemoryRunClient();
    client.stepMs = 60_000;
    const abort = new AbortController();
    const { ctx, seen } = context(client, { signal: abort.signal });
    const done = runOne(parseRunArgs(["node-a", "--name", "long"]), ctx, "ns");
    await Bun.sleep(20);
    abort.abort();
    expect(await done).toBe(130);
    expect(seen.asked).toEqual(["Delete hook long? [y/N] "]);
    expect(client.deleted).toEqual([]);
    expect(seen.err).toContain("hook long left in place: kubectl delete plexdhook long -n ns");
  });

  test("Ctrl-C with --rm deletes without asking", async () => {
    const client = new MemoryRunClient();
    client.stepMs = 60_000;
    const abort = new AbortController();
    const { ctx, seen } = context(client, { signal: abort.signal });
    const done = runOne(parseRunArgs(["node-a", "--name", "long", "--rm"]), ctx, "ns");
    await Bun.sleep(20);
    abort.abort();
    expect(await done).toBe(130);
    expect(seen.asked).toEqual([]);
    expect(client.deleted).toEqual(["long"]);
  });

  test("a refused create is one line and exit 1", async () => {
    const client = new MemoryRunClient();
    client.createError = new ApiError(
      "POST /apis/plexd.plexsphere.com/v1alpha1/namespaces/ns/plexdhooks: admission webhook denied: privileged hooks are not allowed",
      422,
      "Invalid",
    );
    const { ctx, seen } = context(client);
    expect(await runOne(parseRunArgs(["node-a", "--name", "p", "--privileged"]), ctx, "ns")).toBe(1);
    expect(seen.err).toBe(
      "error: cannot create PlexdHook p in namespace ns: admission webhook denied: privileged hooks are not allowed\n",
    );
  });
});
