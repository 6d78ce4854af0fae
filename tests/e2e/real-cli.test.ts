// The user's commands on real-0, through kubectl as a plugin: `run` and `logs -f` with real containers (real exit codes,
// logs and kept output), under a real pseudo-terminal (spinner, Ctrl-C), and a --selector run over real-0 and kwok nodes.
// The operator runs on the host in cluster mode: `run` talks only to PlexdHooks, whoever runs them.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { waitFor } from "../cluster/wait.ts";
import { screen } from "../support/terminal.ts";
import { INSTALL_NAMESPACE, type Setup, setUp } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";
import { kubectlPlexd } from "./support/plugin.ts";

const NS = "e2e-real-cli";
// busybox from busybox-static, imported on real-0; a fixed tag, since `:latest` means "always pull".
const IMAGE = "busybox:1.35";
let cluster: Cluster;
let env: Setup;
let operator: Operator;
let fleet: Operator;

// The namespace right after the command's name: what follows `--` is the hook's command.
const plexd = ([command, ...rest]: string[], options?: { pty?: boolean }) =>
  kubectlPlexd(cluster, [command!, "-n", NS, ...rest], options);
const run = (node: string, name: string, script: string, ...flags: string[]) =>
  plexd(["run", node, "--name", name, "--image", IMAGE, ...flags, "--", "sh", "-c", script]);
const hook = async (name: string) => env.json(["get", "plexdhook", name, "-n", NS]);
const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";
const sortedLines = (text: string) => text.split("\n").filter(Boolean).sort();

beforeAll(async () => {
  cluster = await startCluster({ name: "real-cli", realNode: true, nodes: ["node-a", "node-b"] });
  env = await setUp(cluster);
  // Their pods on real-0 would wait for an image no registry here serves; the operator runs on the host instead.
  await env.k(["delete", "daemonset/plexd-hook", "deployment/plexd-hook-fleet", "-n", INSTALL_NAMESPACE]);
  await env.namespace(NS);
  operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--all-nodes"]);
  // run --selector makes a PlexdRollout, which the fleet controller runs.
  fleet = startOperator(["fleet", "--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--agent-selector="]);
  await Promise.all([operator.waitReady(), fleet.waitReady()]);
}, 900_000);

afterAll(async () => {
  await Promise.all([operator?.stop(), fleet?.stop()]);
  await cluster?.stop();
});

describe("kubectl plexd run real-0", () => {
  test("shows what the container wrote to stdout and stderr, and exits with its code 3", async () => {
    const result = run("real-0", "exit-three", "echo out; echo err >&2; exit 3");
    expect(await result.exited).toBe(3);
    // The runtime reads stdout and stderr through two pipes: lines written at once may swap (kubectl logs alike).
    expect(sortedLines(result.stdout())).toEqual(["err", "out"]);
    // A container this quick may end before anyone sees it Running.
    expect(result.stderr()).toStartWith("exit-three on real-0: Pending\n");
    expect(lastLine(result.stderr())).toMatch(/^exit-three on real-0: Failed after \d+\.\d s: .*exited with code 3\b/);
  }, 120_000);

  test("shows each line as the container writes it, not when the hook ends", async () => {
    const result = run("real-0", "paced", "echo one; sleep 3; echo two");
    expect(await result.exited).toBe(0);
    const [one, two] = result.lines;
    expect([one?.text, two?.text]).toEqual(["one", "two"]);
    expect(two!.at - one!.at).toBeGreaterThan(2_000);
  }, 120_000);

  test("--keep-output: the lines stay in status.output after the Job and its pod are gone, and logs shows them from there", async () => {
    const result = run("real-0", "kept", "echo out; echo err >&2; exit 3", "--keep-output", "10");
    expect(await result.exited).toBe(3);
    await env.k(["delete", "job", "plexdhook-kept", "-n", NS, "--cascade=foreground", "--wait"]);
    const pods = await env.json(["get", "pods", "-n", NS, "-l", "job-name=plexdhook-kept"]);
    expect(pods.items).toEqual([]);
    const { status } = await hook("kept");
    expect(status.phase).toBe("Failed");
    expect(sortedLines(status.output)).toEqual(["err", "out"]);
    const logs = plexd(["logs", "kept"]);
    expect(await logs.exited).toBe(1);
    expect(logs.stdout()).toBe(status.output);
    expect(logs.stderr()).toContain("the output the hook kept (status.output):\n");
    expect(lastLine(logs.stderr())).toMatch(/^kept: Failed, exit code 3/);
  }, 120_000);
});

describe("kubectl plexd logs -f", () => {
  test("follows a hook that prints for a few seconds to its end, and exits 0", async () => {
    const script = "for i in 1 2 3 4 5 6; do echo line $i; sleep 1; done";
    const detached = run("real-0", "chatty", script, "--detach");
    expect(await detached.exited).toBe(0);
    await waitFor("hook chatty to run", async () => (await hook("chatty")).status?.phase === "Running" || undefined, {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const logs = plexd(["logs", "chatty", "-f"]);
    expect(await logs.exited).toBe(0);
    expect(logs.lines.map((l) => l.text)).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5", "line 6"]);
    // It followed: the last lines came while it ran, not in one piece.
    expect(logs.lines.at(-1)!.at - logs.lines[0]!.at).toBeGreaterThan(2_000);
    const ended = await waitFor("hook chatty to end", async () => (await hook("chatty")).status?.completedAt, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(ended).toBeString();
  }, 120_000);
});

describe("kubectl plexd run on a terminal", () => {
  const onTty = (name: string, script: string) =>
    plexd(["run", "real-0", "--name", name, "--image", IMAGE, "--", "sh", "-c", script], { pty: true });
  const spinner = (name: string, phase: string) =>
    new RegExp(`\\r\\x1b\\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] ${name} on real-0: ${phase} \\d+\\.\\d s`);

  test("draws the spinner with the phase and the time, and the log lands on lines of its own", async () => {
    const tty = onTty("on-tty", "echo one; sleep 1; echo two; sleep 1; echo three");
    expect(await tty.exited).toBe(0);
    expect(tty.stdout()).toMatch(spinner("on-tty", "Pending"));
    expect(tty.stdout()).toMatch(spinner("on-tty", "Running"));
    // What the person reads once it is done: the log, then the last line, and nothing left of the spinner.
    expect(screen(tty.stdout())).toEqual([
      "one",
      "two",
      "three",
      expect.stringMatching(/^on-tty on real-0: Succeeded in \d+\.\d s$/),
    ]);
  }, 120_000);

  test("Ctrl-C asks whether to delete the hook, and y deletes it", async () => {
    const tty = onTty("ctrl-c-yes", "sleep 60");
    await tty.waitOutput("ctrl-c-yes on real-0: Running");
    tty.type("\x03");
    await tty.waitOutput("Delete hook ctrl-c-yes? [y/N] ");
    tty.type("y\r");
    expect(await tty.exited).toBe(130);
    expect(screen(tty.stdout())).toContain("deleted hook ctrl-c-yes");
    const gone = async () => ((await env.tryK(["get", "plexdhook", "ctrl-c-yes", "-n", NS])).code !== 0 ? "gone" : undefined);
    expect(await waitFor("hook ctrl-c-yes to be deleted", gone, { timeoutMs: 30_000, intervalMs: 200 })).toBe("gone");
  }, 120_000);

  test("Ctrl-C answered with Enter (no) leaves the hook running and says how to delete it", async () => {
    const tty = onTty("ctrl-c-no", "sleep 60");
    await tty.waitOutput("ctrl-c-no on real-0: Running");
    tty.type("\x03");
    await tty.waitOutput("Delete hook ctrl-c-no? [y/N] ");
    tty.type("\r");
    expect(await tty.exited).toBe(130);
    expect(screen(tty.stdout())).toContain(`hook ctrl-c-no left in place: kubectl delete plexdhook ctrl-c-no -n ${NS}`);
    expect((await hook("ctrl-c-no")).status.phase).toBe("Running");
  }, 120_000);
});

describe("kubectl plexd run --selector", () => {
  test("runs on real-0 and kwok nodes together: real-0's real exit code and output, the kwok nodes' simulated success", async () => {
    for (const node of ["real-0", "node-a", "node-b"]) await env.k(["label", "node", node, "plexd.test/mixed=yes"]);
    const script = 'echo "on $PLEXD_NODE_ID"; test "$PLEXD_NODE_ID" != real-0 || exit 4';
    const selector = ["-l", "plexd.test/mixed=yes", "--max-parallel", "3", "--keep-output", "5"];
    const result = plexd(["run", ...selector, "--name", "mixed", "--image", IMAGE, "--", "sh", "-c", script]);
    expect(await result.exited).toBe(1);
    const err = result.stderr();
    expect(err).toMatch(/^node-a\s+Succeeded\s+0\s+\d+\.\d s$/m);
    expect(err).toMatch(/^node-b\s+Succeeded\s+0\s+\d+\.\d s$/m);
    expect(err).toMatch(/^real-0\s+Failed\s+4\s+\d+\.\d s$/m);
    expect(err).toMatch(/^real-0: .*exited with code 4\b/m);
    expect(lastLine(err)).toBe("rollout mixed: Succeeded: 2 succeeded, 1 failed, 0 not started");
    expect((await hook("mixed-real-0")).status.output).toBe("on real-0\n");
  }, 120_000);
});
