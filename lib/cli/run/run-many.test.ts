import { describe, expect, test } from "bun:test";
import { failsWith, MemoryRunClient, succeeds } from "../../../tests/support/memory-run-client.ts";
import { ApiError } from "../../kube/errors.ts";
import type { CommandContext } from "./context.ts";
import { parseRunArgs } from "./options.ts";
import { buildRunRollout } from "./rollout-body.ts";
import { runMany } from "./run-many.ts";
import { INTERRUPTED } from "./run-one.ts";

function setUp(nodes: string[], signal = new AbortController().signal) {
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
    signal,
    confirm: async () => false,
    redrawMs: 0,
    program: "kubectl plexd",
  };
  return { client, ctx, seen };
}

const lastLine = (text: string): string | undefined => text.trim().split("\n").at(-1);

describe("buildRunRollout()", () => {
  test("maps --selector, --max-parallel and --max-failures onto the rollout; the command onto its template", () => {
    const request = parseRunArgs([
      "-l",
      "pool=a,zone in (z1)",
      "--max-parallel",
      "3",
      "--max-failures",
      "2",
      "--image",
      "alpine",
      "--",
      "/bin/up",
      "-v",
    ]);
    expect(buildRunRollout(request, "up7", "ns")).toEqual({
      apiVersion: "plexd.plexsphere.com/v1alpha1",
      kind: "PlexdRollout",
      metadata: { name: "up7", namespace: "ns" },
      spec: {
        nodeSelector: { matchLabels: { pool: "a" }, matchExpressions: [{ key: "zone", operator: "In", values: ["z1"] }] },
        template: { hookName: "up", jobTemplate: { image: "alpine", command: ["/bin/up"], args: ["-v"] } },
        strategy: { maxParallel: 3, failureBudget: 1 },
      },
    });
  });

  test("without --max-failures every node runs whatever fails (a failure budget of 100%)", () => {
    expect(buildRunRollout(parseRunArgs(["-l", "a=b", "--", "true"]), "r", "ns").spec.strategy?.failureBudget).toBe("100%");
  });
});

describe("runMany()", () => {
  test("creates a PlexdRollout, shows its table until it ends and exits 0", async () => {
    const { client, ctx, seen } = setUp(["n1", "n2", "n3"]);
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--name", "up7", "--max-parallel", "2", "--", "true"]), ctx, "ns")).toBe(
      0,
    );
    expect([...client.rollouts.keys()]).toEqual(["up7"]);
    expect([...client.hooks.keys()].sort()).toEqual(["up7-n1", "up7-n2", "up7-n3"]);
    expect(client.peakRunning).toBe(2);
    expect(seen.err).toContain("rollout up7: 3 node(s), 2 at a time, run by the fleet controller (kubectl get pr up7 -n ns)\n");
    expect(seen.err).toMatch(/NODE\s+PHASE\s+EXIT\s+DURATION\nn1\s+Succeeded\s+0/);
    expect(lastLine(seen.err)).toBe("rollout up7: Succeeded: 3 succeeded, 0 failed, 0 not started");
  });

  test("--max-failures stops the rollout: the rest are skipped and the run exits non-zero", async () => {
    const { client, ctx, seen } = setUp(["n1", "n2", "n3"]);
    client.script = (hook) => (hook.spec.nodeName === "n2" ? failsWith(4)(hook) : succeeds(hook));
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--max-failures", "1", "--", "true"]), ctx, "ns")).toBe(1);
    expect([...client.hooks.values()].map((h) => h.spec.nodeName).sort()).toEqual(["n1", "n2"]);
    expect(seen.err).toMatch(/\nn2\s+Failed\s+4\s/);
    expect(seen.err).toMatch(/\nn3\s+Skipped\s*\n/);
    expect(lastLine(seen.err)).toMatch(/: Failed: 1 succeeded, 1 failed, 1 not started$/);
  });

  test("one node: its exit code is the run's", async () => {
    const { client, ctx } = setUp(["n1"]);
    client.script = failsWith(7);
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--", "false"]), ctx, "ns")).toBe(7);
  });

  test("says so when no node matches, and creates nothing", async () => {
    const { client, ctx, seen } = setUp(["n1"]);
    expect(await runMany(parseRunArgs(["-l", "pool=b", "--", "true"]), ctx, "ns")).toBe(1);
    expect(seen.err).toBe("error: no node matches --selector pool=b\n");
    expect(client.rollouts.size).toBe(0);
  });

  test("a selector it cannot read is a usage error", async () => {
    const { ctx, seen } = setUp(["n1"]);
    expect(await runMany(parseRunArgs(["-l", "a=b=c", "--", "true"]), ctx, "ns")).toBe(2);
    expect(seen.err).toStartWith("error: Invalid --selector: Not a label selector term");
  });

  test("a refused rollout says why", async () => {
    const { client, ctx, seen } = setUp(["n1"]);
    client.createError = new ApiError(
      "POST /apis/x: plexdrollouts is forbidden: a PlexdRollout creates PlexdHooks",
      403,
      "Forbidden",
    );
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--name", "r", "--", "true"]), ctx, "ns")).toBe(1);
    expect(seen.err).toContain("error: cannot create PlexdRollout r in namespace ns: forbidden: plexdrollouts is forbidden");
  });

  test("Ctrl-C leaves the rollout running and says how to follow and stop it", async () => {
    const stop = new AbortController();
    const { client, ctx, seen } = setUp(["n1", "n2"], stop.signal);
    client.stepMs = 20;
    const run = runMany(parseRunArgs(["-l", "pool=a", "--name", "up7", "--", "true"]), ctx, "ns");
    await Bun.sleep(30);
    stop.abort();
    expect(await run).toBe(INTERRUPTED);
    expect(client.deletedRollouts).toEqual([]);
    expect(lastLine(seen.err)).toBe(
      "rollout up7 goes on in the cluster: follow it with 'kubectl plexd rollout status up7 -n ns', stop it with 'kubectl plexd rollout abort up7 -n ns'",
    );
  });

  test("--rm deletes the rollout (and so its hooks) once it has ended", async () => {
    const { client, ctx } = setUp(["n1"]);
    expect(await runMany(parseRunArgs(["-l", "pool=a", "--name", "up7", "--rm", "--", "true"]), ctx, "ns")).toBe(0);
    expect(client.deletedRollouts).toEqual(["up7"]);
  });
});
