// `plexd-hook run` and `logs` against the real control plane: exit codes, deadlines, fan-out limits, and a user without pods/log.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "../../lib/cli/run/command.ts";
import { logsCommand } from "../../lib/cli/run/logs-command.ts";
import { type Setup, sharedCluster } from "./support/cluster.ts";
import { BINARY, type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-run";
let env: Setup;
let operator: Operator;
let fleet: Operator;

/** Runs a command of the CLI in this process, as a person at a terminal without a TTY would. */
async function cli(command: typeof runCommand, argv: string[], kubeconfig = env.cluster.kubeconfig) {
  let stdout = "";
  let stderr = "";
  const terminal = {
    out: { write: (s: string) => (stdout += s) },
    err: { write: (s: string) => (stderr += s) },
    tty: false,
    confirm: async () => false,
  };
  const code = await command(
    argv,
    { HOME: "/nonexistent", KUBECONFIG: kubeconfig },
    terminal,
    new AbortController().signal,
    "plexd-hook",
  );
  return { code, stdout, stderr, last: stderr.trim().split("\n").at(-1) ?? "" };
}

const run = (argv: string[], kubeconfig?: string) => cli(runCommand, ["-n", NS, ...argv], kubeconfig);
const hooksOfRollout = async (name: string) =>
  (await env.json(["get", "plexdhooks", "-n", NS, "-l", `plexd.plexsphere.com/rollout=${name}`])).items as any[];

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--all-nodes"]);
  // run --selector makes a PlexdRollout, which the fleet controller runs.
  fleet = startOperator(["fleet", "--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--agent-selector="]);
  await Promise.all([operator.waitReady(), fleet.waitReady()]);
}, 600_000);

afterAll(async () => {
  await Promise.all([operator?.stop(), fleet?.stop()]);
});

describe("plexd-hook run NODE", () => {
  test("reaches Succeeded and exits 0, with the phases on stderr", async () => {
    const result = await run(["node-a", "--name", "ok", "--", "df", "-h"]);
    expect(result.stderr).toContain("ok on node-a: Pending\n");
    expect(result.last).toMatch(/^ok on node-a: Succeeded in \d+\.\d s$/);
    expect(result.code).toBe(0);
    const hook = await env.json(["get", "plexdhook", "ok", "-n", NS]);
    expect(hook.spec).toMatchObject({ hookName: "df", nodeName: "node-a", jobTemplate: { command: ["df"], args: ["-h"] } });
  });

  test("exits 3 when the container exits with code 3", async () => {
    const result = await run(["node-b", "--image", "plexd.test/fail-exit-3", "--", "false"]);
    expect(result.last).toMatch(/: Failed after \d+\.\d s: .*exited with code 3 \(Error\)$/);
    expect(result.code).toBe(3);
  });

  test("--timeout ends the hook at its deadline and exits 1 with the deadline message", async () => {
    const result = await run(["node-c", "--image", "plexd.test/sleep", "--timeout", "2s"]);
    expect(result.last).toMatch(/: Failed after \d+\.\d s: .*DeadlineExceeded: Job was active longer than specified deadline/);
    expect(result.code).toBe(1);
  });

  test("--param-from-secret reaches the Job as a secretKeyRef, never as the value", async () => {
    const result = await run([
      "node-a",
      "--name",
      "secret",
      "--param",
      "plain=1",
      "--param-from-secret",
      "token=api-creds/token",
    ]);
    expect(result.code).toBe(0);
    const job = await env.json(["get", "job", "plexdhook-secret", "-n", NS]);
    expect(job.spec.template.spec.containers[0].env.slice(2)).toEqual([
      { name: "PLEXD_PARAM_PLAIN", value: "1" },
      { name: "PLEXD_PARAM_TOKEN", valueFrom: { secretKeyRef: { name: "api-creds", key: "token" } } },
    ]);
  });

  test("--keep-output asks for status.output; the CRD fills in maxBytes and refuses more than 100 lines", async () => {
    const result = await run(["node-a", "--name", "kept", "--keep-output", "5", "--", "df", "-h"]);
    expect(result.code).toBe(0);
    const hook = await env.json(["get", "plexdhook", "kept", "-n", NS]);
    expect(hook.spec.output).toEqual({ tailLines: 5, maxBytes: 4096 });
    // kwok runs no container, so there is no log to keep: the hook still ends, without output.
    expect(hook.status.phase).toBe("Succeeded");
    expect(hook.status.output).toBeUndefined();
    const tooMany = await env.tryK(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "plexd.plexsphere.com/v1alpha1",
        kind: "PlexdHook",
        metadata: { name: "too-many", namespace: NS },
        spec: { hookName: "x", output: { tailLines: 101 } },
      }),
    );
    expect(tooMany.stderr).toContain(
      "spec.output.tailLines: Invalid value: 101: spec.output.tailLines in body should be less than or equal to 100",
    );
  });

  test("logs of a hook on a node that serves no logs says why in one line, and does not hang", async () => {
    const started = Date.now();
    const result = await cli(logsCommand, ["ok", "-n", NS]);
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n")[0]).toMatch(/^no log shown: /);
    if (process.env.PLEXD_E2E_VERBOSE) console.error(result.stderr);
    expect(result.last).toMatch(/^ok: Succeeded/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  test("--detach prints the name and returns before the hook is done; --rm deletes a finished hook", async () => {
    const detached = await run(["node-a", "--name", "bg", "-d", "--image", "plexd.test/sleep"]);
    expect(detached).toMatchObject({ code: 0, stdout: "bg\n", stderr: "" });
    expect((await env.json(["get", "plexdhook", "bg", "-n", NS])).status?.phase).not.toBe("Succeeded");
    const removed = await run(["node-a", "--name", "gone", "--rm"]);
    expect(removed.code).toBe(0);
    expect((await env.tryK(["get", "plexdhook", "gone", "-n", NS])).code).not.toBe(0);
  });
});

describe("kubectl plexd", () => {
  test("serves run through kubectl when the binary is on PATH as kubectl-plexd", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plexd-plugin-"));
    symlinkSync(BINARY, join(dir, "kubectl-plexd"));
    const kubectl = (args: string[]) => {
      const proc = Bun.spawnSync([env.cluster.bin.kubectl, ...args], {
        env: { PATH: `${dir}:${dirname(env.cluster.bin.kubectl)}:/usr/bin:/bin`, KUBECONFIG: env.cluster.kubeconfig, HOME: dir },
        stdout: "pipe",
        stderr: "pipe",
      });
      return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
    };
    try {
      expect(kubectl(["plugin", "list", "--name-only"]).stdout).toContain("kubectl-plexd");
      const help = kubectl(["plexd"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("kubectl plexd run NODE");
      const result = kubectl(["plexd", "run", "node-b", "-n", NS, "--name", "via-kubectl", "--", "uptime"]);
      expect(result.stderr.trim().split("\n").at(-1)).toMatch(/^via-kubectl on node-b: Succeeded in \d+\.\d s$/);
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("plexd-hook run --selector (a PlexdRollout)", () => {
  test("with --max-parallel 1 never has two hooks running at once, as their timestamps show", async () => {
    const result = await run(["-l", "type=kwok", "--name", "seq", "--max-parallel", "1", "--", "true"]);
    expect(result.code).toBe(0);
    expect(result.last).toBe("rollout seq: Succeeded: 3 succeeded, 0 failed, 0 not started");
    const hooks = (await hooksOfRollout("seq")).toSorted(
      (a, b) => Date.parse(a.status.startedAt) - Date.parse(b.status.startedAt),
    );
    expect(hooks.map((h) => h.spec.nodeName).sort()).toEqual(["node-a", "node-b", "node-c"]);
    for (let i = 1; i < hooks.length; i++) {
      expect(Date.parse(hooks[i].status.startedAt)).toBeGreaterThanOrEqual(Date.parse(hooks[i - 1].status.completedAt));
    }
  });

  test("--max-failures stops the rollout and the run exits non-zero", async () => {
    const result = await run(["-l", "type=kwok", "--name", "budget", "--max-failures", "1", "--image", "plexd.test/fail-exit-2"]);
    expect(result.code).toBe(1);
    expect((await hooksOfRollout("budget")).map((h) => h.status.phase)).toEqual(["Failed"]);
    expect(result.stderr).toMatch(/\nnode-b\s+Skipped\s*\nnode-c\s+Skipped\s*\n/);
    expect(result.last).toBe("rollout budget: Failed: 0 succeeded, 1 failed, 2 not started");
  });
});

describe("a user who may create PlexdHooks but not read pods/log", () => {
  let kubeconfig: string;
  beforeAll(async () => {
    kubeconfig = await env.cluster.kubeconfigFor("ann");
    await env.k(["create", "role", "hook-author", "-n", NS, "--verb=get,list,watch,create,delete", "--resource=plexdhooks"]);
    await env.k(["create", "rolebinding", "ann", "-n", NS, "--role=hook-author", "--user=ann"]);
  });

  test("run still gives the phase and the exit code, and one line saying why no log is shown", async () => {
    const result = await run(["node-a", "--name", "ann-fails", "--image", "plexd.test/fail-exit-5"], kubeconfig);
    expect(result.code).toBe(5);
    const noLog = result.stderr.split("\n").filter((line) => line.startsWith("no log shown"));
    expect(noLog).toHaveLength(1);
    expect(noLog[0]).toMatch(
      /^no log shown: you may not read the hook's Job, pods or pods\/log in namespace e2e-run \(.*"ann".*forbidden|^no log shown: you may not read the hook's Job, pods or pods\/log in namespace e2e-run \(.*forbidden.*"ann"/,
    );
  });

  test("logs gives the phase and exit code and says why there is no log", async () => {
    const result = await cli(logsCommand, ["ann-fails", "-n", NS], kubeconfig);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^no log shown: you may not read the hook's Job, pods or pods\/log in namespace e2e-run /);
    expect(result.last).toMatch(/^ann-fails: Failed, exit code 5: /);
  });
});
