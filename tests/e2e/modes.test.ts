// The ways the operator finds its cluster, for real: in-cluster (with token rotation), every kind of
// laptop kubeconfig, --context, and a cluster without the CRD.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { BINARY, type Operator, startOperator } from "./support/operator.ts";

const NODE = "node-c";
const SERVICE_ACCOUNT_DIR = "var/run/secrets/kubernetes.io/serviceaccount";
let env: Setup;
let dir: string;

beforeAll(async () => {
  env = await sharedCluster();
  dir = mkdtempSync(join(tmpdir(), "plexd-modes-"));
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// plexd-cluster: these runs have no node in their credentials (the plexd account is held to its pod's node).
const token = async (...flags: string[]) =>
  (await env.k(["create", "token", "plexd-cluster", "-n", "plexd-system", ...flags])).trim();

/** A kubeconfig for the shared cluster whose one user is `user` (a kubeconfig `user:` object). */
function kubeconfig(file: string, user: Record<string, unknown>): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "local", cluster: { server: env.cluster.server, "certificate-authority": env.cluster.caFile } }],
      users: [{ name: "plexd", user }],
      contexts: [{ name: "local", context: { cluster: "local", user: "plexd" } }],
      "current-context": "local",
    }),
  );
  return path;
}

/** Applies a hook for node-c and waits until its Job exists and its status has a phase. */
async function handles(ns: string, name: string, timeoutMs = 30_000): Promise<string> {
  await env.k(["apply", "-f", "-"], hookYaml(name, ns, { hookName: name, nodeName: NODE }));
  await waitFor(
    `the Job of ${ns}/${name}`,
    () => env.json(["get", "job", `plexdhook-${name}`, "-n", ns]).catch(() => undefined),
    { timeoutMs: timeoutMs, intervalMs: 200 },
  );
  return waitFor(
    `the phase of ${ns}/${name}`,
    async () => (await env.json(["get", "plexdhook", name, "-n", ns])).status?.phase as string | undefined,
    { timeoutMs: timeoutMs, intervalMs: 200 },
  );
}

/** Starts the operator for node-c in a fresh namespace, proves it handles a hook, and stops it. */
async function runsWith(ns: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Operator> {
  await env.namespace(ns);
  const operator = startOperator([...args, "--namespace", ns, "--node-name", NODE], extraEnv);
  try {
    await operator.waitReady();
    expect(["Pending", "Running", "Succeeded"]).toContain(await handles(ns, "mode-check"));
  } finally {
    expect(await operator.stop()).toBe(0);
  }
  return operator;
}

/** The lines an operator wrote that are not JSON logs: what a person reads. */
const plainLines = (operator: Operator) => operator.stderr.filter((line) => line.trim() && !line.startsWith("{"));

describe("in-cluster (no kubeconfig: the service-account files and KUBERNETES_SERVICE_*)", () => {
  const NS = "e2e-mode-incluster";
  let root: string;
  let operator: Operator | undefined;

  /** Writes the token file the way the kubelet does: a new file swapped in whole. */
  const writeToken = (value: string) => {
    const file = join(root, SERVICE_ACCOUNT_DIR, "token");
    writeFileSync(`${file}.new`, value);
    renameSync(`${file}.new`, file);
  };

  /** A plexd token that dies with the Secret `name` (created here): revocable on demand. */
  const boundToken = async (name: string) => {
    await env.k(["create", "secret", "generic", name, "-n", "plexd-system"]);
    return token("--bound-object-kind", "Secret", "--bound-object-name", name, "--duration", "10m");
  };

  /** Whether the API server accepts `bearer` right now. */
  const accepted = async (bearer: string) =>
    (
      await fetch(`${env.cluster.server}/apis/plexd.plexsphere.com/v1alpha1`, {
        headers: { authorization: `Bearer ${bearer}` },
        tls: { ca: readFileSync(env.cluster.caFile, "utf8") },
      } as RequestInit)
    ).status !== 401;

  beforeAll(async () => {
    root = join(dir, "in-cluster-root");
    mkdirSync(join(root, SERVICE_ACCOUNT_DIR), { recursive: true });
    writeFileSync(join(root, SERVICE_ACCOUNT_DIR, "ca.crt"), readFileSync(env.cluster.caFile));
    writeFileSync(join(root, SERVICE_ACCOUNT_DIR, "namespace"), "plexd-system");
    writeToken(await boundToken("e2e-mode-token-1"));
    await env.namespace(NS);
  });

  afterAll(async () => {
    if (operator && operator.proc.exitCode === null) await operator.stop();
    await env.tryK(["delete", "secret", "e2e-mode-token-1", "e2e-mode-token-2", "-n", "plexd-system", "--ignore-not-found"]);
  });

  test("the operator runs on the mounted token and CA and handles a hook", async () => {
    operator = startOperator(["--namespace", NS, "--node-name", NODE], {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: new URL(env.cluster.server).port,
      PLEXD_IN_CLUSTER_ROOT: root,
    });
    await operator.waitReady();
    expect(operator.logs.find((l) => l.msg === "plexd-hook configured")).toMatchObject({
      kubeconfig: "in-cluster",
      server: env.cluster.server,
    });
    expect(["Pending", "Running", "Succeeded"]).toContain(await handles(NS, "in-cluster"));
  }, 60_000);

  test("after the token is rotated and the old one revoked, the next hook is still handled", async () => {
    if (!operator) throw new Error("the operator did not start");
    const old = readFileSync(join(root, SERVICE_ACCOUNT_DIR, "token"), "utf8");
    writeToken(await boundToken("e2e-mode-token-2"));
    await env.k(["delete", "secret", "e2e-mode-token-1", "-n", "plexd-system"]);
    // The API server caches accepted tokens for a few seconds; wait until the old one is really dead.
    await waitFor("the old token to be rejected", async () => !(await accepted(old)), { timeoutMs: 30_000, intervalMs: 500 });
    const revoked = Date.now();
    // client-node alone would send the revoked token for up to 60 s; the operator reads the file again.
    expect(["Pending", "Running", "Succeeded"]).toContain(await handles(NS, "after-rotation", 30_000));
    if (process.env.PLEXD_E2E_VERBOSE)
      console.error(`token rotation: next hook handled ${Date.now() - revoked} ms after the old token was revoked`);
    expect(await operator.stop()).toBe(0);
  }, 150_000);
});

describe("from a laptop (a kubeconfig)", () => {
  test("with a client certificate (User laptop-user bound to the plexd ClusterRole)", async () => {
    const config = await env.cluster.kubeconfigFor("laptop-user");
    await env.k(["create", "clusterrolebinding", "e2e-mode-laptop-user", "--clusterrole=plexd", "--user=laptop-user"]);
    try {
      await runsWith("e2e-mode-cert", ["--kubeconfig", config]);
    } finally {
      await env.tryK(["delete", "clusterrolebinding", "e2e-mode-laptop-user"]);
    }
  }, 60_000);

  test("with a bearer token", async () => {
    await runsWith("e2e-mode-token", ["--kubeconfig", kubeconfig("token.kubeconfig", { token: await token("--duration=1h") })]);
  }, 60_000);

  test("with an exec credential plugin", async () => {
    const calls = join(dir, "exec-calls");
    const plugin = join(dir, "credential.sh");
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: await token("--duration=1h") },
    });
    writeFileSync(plugin, `#!/bin/sh\necho called >> '${calls}'\ncat <<'EOF'\n${credential}\nEOF\n`);
    chmodSync(plugin, 0o755);
    const config = kubeconfig("exec.kubeconfig", {
      exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" },
    });
    await runsWith("e2e-mode-exec", ["--kubeconfig", config]);
    expect(readFileSync(calls, "utf8")).toContain("called");
  }, 60_000);

  describe("--context", () => {
    let config: string;
    beforeAll(async () => {
      config = join(dir, "contexts.kubeconfig");
      const cluster = (server: string) => ({ server, "certificate-authority": env.cluster.caFile });
      writeFileSync(
        config,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            { name: "good", cluster: cluster(env.cluster.server) },
            { name: "dead", cluster: cluster("https://127.0.0.1:1") },
          ],
          users: [{ name: "plexd", user: { token: await token("--duration=1h") } }],
          contexts: [
            { name: "good", context: { cluster: "good", user: "plexd" } },
            { name: "dead", context: { cluster: "dead", user: "plexd" } },
          ],
          "current-context": "dead",
        }),
      );
    });

    test("--context good selects the working context over the unreachable current one", async () => {
      await runsWith("e2e-mode-context", ["--kubeconfig", config, "--context", "good"]);
    }, 60_000);

    test("without --context, the unreachable current context exits 1 with one 'cannot reach' line", async () => {
      const operator = startOperator(["--kubeconfig", config, "--node-name", NODE]);
      expect(await operator.exited).toBe(1);
      const lines = plainLines(operator);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toStartWith("error: cannot reach the Kubernetes API server at https://127.0.0.1:1");
    }, 30_000);
  });
});

describe("a cluster without the PlexdHook CRD", () => {
  let bare: Cluster | undefined;
  beforeAll(async () => {
    bare = await startCluster({ name: "nocrd", nodes: ["node-x"] });
  }, 600_000);

  afterAll(async () => {
    await bare?.stop();
  });

  test("the operator exits 1 with one line that says how to install the CRD", async () => {
    const operator = startOperator(["--kubeconfig", bare!.kubeconfig, "--node-name", "node-x"]);
    expect(await operator.exited).toBe(1);
    const lines = plainLines(operator);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("error: the PlexdHook CRD (plexdhooks.plexd.plexsphere.com) is not installed");
    expect(lines[0]).toContain("plexd-hook manifests | kubectl apply -f -");
  }, 30_000);

  test("after `plexd-hook manifests | kubectl apply -f -` the operator starts and gets ready", async () => {
    const manifests = Bun.spawnSync([BINARY, "manifests"], { stdout: "pipe", stderr: "pipe" });
    expect(manifests.exitCode).toBe(0);
    const applied = await bare!.kubectl(["apply", "-f", "-"], { stdin: manifests.stdout.toString() });
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const established = await bare!.kubectl([
      "wait",
      "--for=condition=Established",
      "crd/plexdhooks.plexd.plexsphere.com",
      "--timeout=60s",
    ]);
    expect(established.code).toBe(0);
    const operator = startOperator(["--kubeconfig", bare!.kubeconfig, "--node-name", "node-x"]);
    try {
      await operator.waitReady();
    } finally {
      expect(await operator.stop()).toBe(0);
    }
  }, 90_000);
});
