// Hook output on the real control plane with a recorded log source: kwok runs no containers, so the
// log itself is replayed behind the same podLog interface while hooks, Jobs and statuses are real.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pino } from "pino";
import { loadKubeConfig } from "../../lib/cli/kubeconfig.ts";
import { RestRunClient } from "../../lib/cli/run/client.ts";
import { parseRunArgs } from "../../lib/cli/run/options.ts";
import { runOne } from "../../lib/cli/run/run-one.ts";
import { defaultConfig } from "../../lib/controller/config.ts";
import { PlexdHookController } from "../../lib/controller/controller.ts";
import { NodeKubeClient } from "../../lib/kube/node-client.ts";
import { Metrics } from "../../lib/observe/metrics.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";

const NS = "e2e-output";
/** What `df -h` printed on a test machine, recorded once. */
const DF = [
  "Filesystem      Size  Used Avail Use% Mounted on",
  "overlay          98G   41G   53G  44% /",
  "tmpfs            64M     0   64M   0% /dev",
  "/dev/sda1        98G   41G   53G  44% /etc/hosts",
  "",
].join("\n");

let env: Setup;
const stop = new AbortController();

/** The operator's client, with pod logs replayed from the recording instead of read from a kubelet. */
class RecordedLogs extends NodeKubeClient {
  override async podLog(_ns: string, _pod: string, container: string, limits: { tailLines: number }): Promise<string> {
    if (container !== "hook") throw new Error(`unexpected container ${container}`);
    return `${DF.trimEnd().split("\n").slice(-limits.tailLines).join("\n")}\n`;
  }
}

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  const { config } = loadKubeConfig({ kubeconfig: env.operatorKubeconfig, env: {}, home: "/nonexistent" });
  const logger = pino({ level: "silent" });
  const controller = new PlexdHookController({
    client: new RecordedLogs(config, { logger }),
    config: defaultConfig({ namespace: NS, nodeName: "node-a" }),
    metrics: new Metrics(),
    logger,
  });
  void controller.start(stop.signal).catch(() => {});
  await waitFor("the in-process controller to be ready", () => controller.ready, { timeoutMs: 30_000 });
}, 600_000);

afterAll(() => stop.abort());

const finished = (name: string) =>
  waitFor(
    `${name} to finish`,
    async () => {
      const hook = await env.json(["get", "plexdhook", name, "-n", NS]);
      return (hook.status?.phase === "Succeeded" || hook.status?.phase === "Failed") && hook;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

describe("status.output", () => {
  test("keeps the log's last tailLines lines, cut at the front to maxBytes, readable with kubectl get", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("df", NS, {
        hookName: "df",
        nodeName: "node-a",
        jobTemplate: { command: ["df", "-h"] },
        output: { tailLines: 2, maxBytes: 60 },
      }),
    );
    expect((await finished("df")).status.phase).toBe("Succeeded");
    const output = await env.k(["get", "plexdhook", "df", "-n", NS, "-o", "jsonpath={.status.output}"]);
    // The last two lines are 92 bytes: the first 32 are cut.
    expect(output).toBe(
      "tmpfs            64M     0   64M   0% /dev\n/dev/sda1        98G   41G   53G  44% /etc/hosts\n".slice(-60),
    );
  });

  test("is not kept for a hook that does not ask", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("quiet", NS, { hookName: "q", nodeName: "node-a" }));
    expect((await finished("quiet")).status.output).toBeUndefined();
  });

  test("keeps a failed container's exit code in status.exitCode", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("fails", NS, { hookName: "f", nodeName: "node-a", jobTemplate: { image: "plexd.test/fail-exit-4" } }),
    );
    expect((await finished("fails")).status).toMatchObject({ phase: "Failed", exitCode: 4 });
  });
});

describe("plexd-hook run with a recorded log", () => {
  test("streams the log to stdout between the phases on stderr, and exits 0", async () => {
    const { config } = loadKubeConfig({ kubeconfig: env.cluster.kubeconfig, env: {}, home: "/nonexistent" });
    const client = new RestRunClient(config);
    // The recording arrives in uneven chunks, as a log stream does.
    client.podLog = async function* () {
      yield DF.slice(0, 20);
      yield DF.slice(20, 100);
      yield DF.slice(100);
    };
    let stdout = "";
    let stderr = "";
    const code = await runOne(
      parseRunArgs(["node-a", "--name", "streamed", "--", "df", "-h"]),
      {
        client,
        server: client.server,
        out: { write: (s: string) => (stdout += s) },
        err: { write: (s: string) => (stderr += s) },
        tty: false,
        now: () => Date.now(),
        signal: new AbortController().signal,
        confirm: async () => false,
        redrawMs: 0,
      },
      NS,
    );
    expect(code).toBe(0);
    expect(stdout).toBe(DF);
    expect(stderr).not.toContain("no log shown");
    expect(stderr.trim().split("\n").at(-1)).toMatch(/^streamed on node-a: Succeeded in \d+\.\d s$/);
  });
});
