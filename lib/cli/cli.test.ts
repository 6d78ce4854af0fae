// The command line as a person meets it: main() with arguments, environment and output passed in.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../main.ts";
import pkg from "../../package.json" with { type: "json" };
import { programFor } from "./plugin.ts";

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const code = await main(argv, { HOME: "/nonexistent-home", ...env }, io, new AbortController().signal);
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), "plexd-cli-"));
const kubeconfig = join(dir, "config");
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: { server: "https://127.0.0.1:1" }
users:
- name: u
  user: { token: abc }
contexts:
- name: first
  context: { cluster: one, user: u }
- name: second
  context: { cluster: one, user: u }
current-context: first
`,
);
const broken = join(dir, "broken");
writeFileSync(broken, "clusters: [ {name: \n");

describe("main()", () => {
  test("--help lists the commands and exits 0; each operator command's --help lists only its own flags", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    for (const command of ["operator", "fleet", "webhook", "manifests", "version", "run", "logs", "rollout"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
    }
    expect(stdout.split("Flags:")[1]).not.toContain("--node-name");
    const fleet = await cli(["fleet", "--help"]);
    expect(fleet.code).toBe(0);
    expect(fleet.stdout).toContain("Usage:\n  plexd-hook fleet [flags]\n");
    expect(fleet.stdout).toContain("--unclaimed-after SECONDS");
    expect(fleet.stdout).not.toContain("--node-name");
    const operator = await cli(["operator", "--help"]);
    expect(operator.stdout).toContain("--node-name NAME");
    expect(operator.stdout).not.toContain("--unclaimed-after");
    expect((await cli(["webhook", "--help"])).stdout).not.toContain("--kubeconfig");
    expect((await cli(["manifests", "--help"])).stdout).toContain("--mode MODE");
  });

  test("run and logs are commands of their own, with their own help", async () => {
    const run = await cli(["run", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("plexd-hook run NODE [flags] -- COMMAND [ARG...]");
    expect(run.stdout).toContain("--max-parallel N");
    expect((await cli(["logs", "--help"])).stdout).toContain("Usage: plexd-hook logs HOOK [-f] [-n NAMESPACE]");
    expect(await cli(["run"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: Name a NODE or pass --selector KEY=VALUE\nRun 'plexd-hook run --help' for usage.\n",
    });
  });

  test("run and logs must come before the flags", async () => {
    expect(await cli(["--namespace", "x", "run"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: run comes first, its flags after it: plexd-hook run --help\n",
    });
  });

  test("started as kubectl-plexd, it shows the plugin's help instead of starting the operator", async () => {
    let stdout = "";
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => {} } };
    const code = await main([], {}, io, new AbortController().signal, programFor("/usr/local/bin/kubectl-plexd"));
    expect(code).toBe(0);
    expect(stdout).toContain("kubectl plexd run NODE [flags] -- COMMAND [ARG...]");
    const runHelp = { stdout: "" };
    await main(
      ["run", "-h"],
      {},
      { ...io, stdout: { write: (s: string) => (runHelp.stdout += s) } },
      new AbortController().signal,
      programFor("kubectl-plexd"),
    );
    expect(runHelp.stdout).toContain("kubectl plexd run NODE [flags]");
  });

  test("--version prints the package's semver", async () => {
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  const errors: Array<[string, string[], Record<string, string>, number, string]> = [
    ["an unknown flag", ["--bogus"], {}, 2, "error: Unknown option '--bogus'\nRun 'plexd-hook --help' for usage.\n"],
    [
      "no node name",
      ["--kubeconfig", kubeconfig],
      {},
      2,
      "error: no node name: pass --node-name, set NODE_NAME (the DaemonSet sets it from the downward API), or use --all-nodes\n",
    ],
    [
      "a missing kubeconfig",
      ["--all-nodes", "--kubeconfig", "/nope/config"],
      {},
      1,
      "error: kubeconfig /nope/config: file not found\n",
    ],
    [
      "a missing $KUBECONFIG",
      ["--all-nodes"],
      { KUBECONFIG: "/nope/a" },
      1,
      "error: kubeconfig /nope/a (from $KUBECONFIG): file not found\n",
    ],
    [
      "no kubeconfig anywhere",
      ["--all-nodes"],
      {},
      1,
      "error: No kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a cluster\n",
    ],
    [
      "an unknown context",
      ["--all-nodes", "--kubeconfig", kubeconfig, "--context", "third"],
      {},
      1,
      `error: context "third" not found in kubeconfig ${kubeconfig} (contexts: first, second)\n`,
    ],
  ];
  test.each(errors)("main() refuses %s with one clear line", async (_name, argv, env, exitCode, message) => {
    const { code, stderr } = await cli(argv, env);
    expect(stderr).toBe(message);
    expect(code).toBe(exitCode);
  });

  test("main() refuses a broken kubeconfig with one line naming the file", async () => {
    const { code, stderr } = await cli(["--all-nodes", "--kubeconfig", broken]);
    expect(code).toBe(1);
    expect(stderr).toStartWith(`error: kubeconfig ${broken} is not valid: `);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  test("main() reports an unreachable API server in one line", async () => {
    const { code, stderr } = await cli(["--all-nodes", "--kubeconfig", kubeconfig, "--health-addr", ""]);
    expect(code).toBe(1);
    // Log lines go to stderr too; the error is the one line for people.
    const errors = stderr.split("\n").filter((line) => line.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("error: cannot reach the Kubernetes API server at https://127.0.0.1:1: ");
  });
});
