import { describe, expect, test } from "bun:test";
import { failsWith, MemoryRunClient, succeeds } from "../../../tests/support/memory-run-client.ts";
import { ApiError } from "../../kube/errors.ts";
import type { CommandContext } from "./context.ts";
import { parseRunArgs } from "./options.ts";
import { runMany } from "./run-many.ts";

function setUp(nodes: string[]) {
  const client = new MemoryRunClient();
  client.nodes = nodes.map((name) => ({ name, labels: { pool: "a" } }));
  const seen = { err: "" };
  const ctx: CommandContext = {
    client,
    server: "https://127.0.0.1:6443",
    out: { write: () => {} },
    err: { write: (s: string) => (seen.err += s) },
    tty: false,
    now: () => Date.now(),
    signal: new AbortController().signal,
    confirm: async () => false,
    redrawMs: 0,
  };
  return { client, ctx, seen };
}

describe("runMany()", () => {
  test("runs one hook per matching node, all with the run id label, at most --max-parallel at once", async () => {
    const { client, ctx, seen } = setUp(["n1", "n2", "n3"]);
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--name", "up7", "--max-parallel", "2", "--", "true"]), ctx, "ns")).toBe(
      0,
    );
    expect([...client.hooks.keys()].sort()).toEqual(["up7-n1", "up7-n2", "up7-n3"]);
    expect([...client.hooks.values()].map((h) => h.metadata.labels?.["plexd.plexsphere.com/run-id"])).toEqual([
      "up7",
      "up7",
      "up7",
    ]);
    expect(client.peakRunning).toBe(2);
    expect(seen.err).toContain(
      "run up7: 3 node(s), 2 at a time (kubectl get plexdhooks -n ns -l plexd.plexsphere.com/run-id=up7)",
    );
    expect(seen.err).toMatch(/NODE\s+PHASE\s+EXIT\s+DURATION\nn1\s+Succeeded\s+0\s+\d/);
    expect(seen.err.trim().split("\n").at(-1)).toBe("run up7: 3 succeeded, 0 failed, 0 not started");
  });

  test("--max-failures stops the rollout and the run exits non-zero", async () => {
    const { client, ctx, seen } = setUp(["n1", "n2", "n3"]);
    client.script = (hook) => (hook.spec.nodeName === "n2" ? failsWith(4)(hook) : succeeds(hook));
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--max-failures", "1", "--", "true"]), ctx, "ns")).toBe(1);
    expect([...client.hooks.values()].map((h) => h.spec.nodeName).sort()).toEqual(["n1", "n2"]);
    expect(seen.err).toMatch(/\nn2\s+Failed\s+4\s/);
    expect(seen.err).toMatch(/\nn3\s+Skipped\s*\n/);
    expect(seen.err.trim().split("\n").at(-1)).toMatch(/: 1 succeeded, 1 failed, 1 not started$/);
  });

  test("says so when no node matches", async () => {
    const { ctx, seen } = setUp(["n1"]);
    expect(await runMany(parseRunArgs(["-l", "pool=b", "--", "true"]), ctx, "ns")).toBe(1);
    expect(seen.err).toBe("error: no node matches --selector pool=b\n");
  });

  test("a hook --rm cannot delete is said, the others are deleted, and the run exits 1", async () => {
    const { client, ctx, seen } = setUp(["n1", "n2"]);
    const remove = client.deleteHook.bind(client);
    client.deleteHook = async (namespace, name) => {
      if (name === "up7-n2") {
        throw new ApiError(
          `DELETE /apis/plexd.plexsphere.com/v1alpha1/namespaces/ns/plexdhooks/${name}: plexdhooks is forbidden`,
          403,
          "Forbidden",
        );
      }
      await remove(namespace, name);
    };
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--name", "up7", "--rm", "--", "true"]), ctx, "ns")).toBe(1);
    expect(client.deleted).toEqual(["up7-n1"]);
    expect(seen.err).toContain("error: cannot delete PlexdHook up7-n2 in namespace ns: forbidden: plexdhooks is forbidden\n");
    expect(seen.err.trim().split("\n").at(-1)).toBe("run up7: 2 succeeded, 0 failed, 0 not started");
  });
});
