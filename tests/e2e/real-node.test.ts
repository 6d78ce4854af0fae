// The path a user takes, for real on real-0: the image built here, the DaemonSet pod on containerd and
// runc with the kubelet's token, and hook pods whose exit codes, logs and security context are real.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlexdHookSpec } from "../../lib/core/types.ts";
import pkg from "../../package.json" with { type: "json" };
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { waitFor } from "../cluster/wait.ts";
import { seedSpec } from "../support/seed.ts";
import { hookYaml } from "./support/cluster.ts";
import { BINARY } from "./support/operator.ts";
import { buildImage } from "./support/real-operator.ts";

const NS = "plexd-system";
const NODE = "real-0";
// Not the manifests' default: proves `manifests --image` is what the DaemonSet runs.
const IMAGE = `plexd.test/plexd-hook:${pkg.version}-e2e`;
const DS_SELECTOR = "app.kubernetes.io/name=plexd-hook,app.kubernetes.io/component=controller";
// busybox from busybox-static, imported on real-0; a fixed tag, since `:latest` means "always pull".
const BUSYBOX = "busybox:1.35";
let cluster: Cluster;
let work: string;

async function k(args: string[], stdin?: string): Promise<string> {
  const res = await cluster.kubectl(args, stdin === undefined ? {} : { stdin });
  if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${res.code}): ${res.stderr.trim()}`);
  return res.stdout;
}
const json = async <T = any>(args: string[]): Promise<T> => JSON.parse(await k([...args, "-o", "json"])) as T;

/** The DaemonSet's pods on real-0 that are not being deleted. */
async function operatorPods(): Promise<any[]> {
  const pods = await json<{ items: any[] }>(["get", "pods", "-n", NS, "-l", DS_SELECTOR]);
  return pods.items.filter((p) => p.metadata.deletionTimestamp === undefined && p.spec.nodeName === NODE);
}

async function operatorReady(): Promise<any> {
  return waitFor(
    "the operator pod on real-0 to be Ready",
    async () =>
      (await operatorPods()).find((p) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")),
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** Creates a hook aimed at real-0. */
async function applyHook(name: string, spec: Partial<PlexdHookSpec>): Promise<void> {
  await k(["apply", "-f", "-"], hookYaml(name, NS, { ...seedSpec({ hookName: name }), nodeName: NODE, ...spec }));
}

/** Waits for a hook to finish; returns its status. */
function finished(name: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(
    `hook ${name} to finish`,
    async () => {
      const status = (await json(["get", "plexdhook", name, "-n", NS])).status;
      return status?.phase === "Succeeded" || status?.phase === "Failed" ? status : undefined;
    },
    { timeoutMs: timeoutMs, intervalMs: 500 },
  );
}

/** Creates a hook aimed at real-0 and waits for it to finish; returns its status. */
async function runHook(name: string, spec: Partial<PlexdHookSpec>): Promise<any> {
  await applyHook(name, spec);
  return finished(name);
}

const shell = (script: string): Partial<PlexdHookSpec> => ({
  jobTemplate: { image: BUSYBOX, command: ["/bin/sh", "-c"], args: [script] },
});

const hookLogs = (name: string) => k(["logs", "-n", NS, `job/plexdhook-${name}`]);

/** The host's /proc entry of the operator's process: what runc really set up. */
function operatorProcess(): string {
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("/plexd-hook\0")) return `/proc/${pid}`;
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error("no /plexd-hook process on this machine");
}

/** The block device the host's root filesystem is on, e.g. /dev/vda. */
function hostRootDevice(): string {
  const line = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .find((l) => l.split(" ")[1] === "/" && l.startsWith("/dev/"));
  if (line === undefined) throw new Error("the host's root filesystem is not on a /dev device");
  return line.split(" ")[0]!;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "plexd-real-e2e-"));
  const [started, archive] = await Promise.all([
    startCluster({ name: "real-e2e", realNode: true, nodes: [], auditLog: true }),
    buildImage(work, IMAGE),
  ]);
  cluster = started;
  cluster.realNode!.importImage(archive);
  const manifests = Bun.spawnSync([BINARY, "manifests", "--image", IMAGE], { stdout: "pipe", stderr: "pipe" });
  if (manifests.exitCode !== 0) throw new Error(`plexd-hook manifests: ${manifests.stderr}`);
  await k(["apply", "-f", "-"], manifests.stdout.toString());
  await operatorReady();
}, 900_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the DaemonSet on real-0", () => {
  test("its pod runs the imported image and becomes Ready on its probes, in-cluster, as 65532 without privileges", async () => {
    const [pod] = await operatorPods();
    expect(pod.spec.containers[0].image).toBe(IMAGE);
    expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true, started: true, restartCount: 0 });
    // The kubelet's projected token and the kubernetes Service (kube-proxy) got it to its first list.
    const logs = await k(["logs", "-n", NS, pod.metadata.name]);
    const configured = logs.split("\n").find((l) => l.includes('"plexd-hook configured"'));
    expect(JSON.parse(configured!)).toMatchObject({ kubeconfig: "in-cluster", server: "https://10.0.0.1:443" });
    // What runc enforced, read from the host.
    const proc = operatorProcess();
    const status = readFileSync(`${proc}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    const root = readFileSync(`${proc}/mountinfo`, "utf8")
      .split("\n")
      .find((l) => l.split(" ")[4] === "/");
    expect(root?.split(" ")[5]?.split(",")).toContain("ro");
  });

  test("the operator pod deleted with kubectl delete pod loses and duplicates nothing", async () => {
    const before = await runHook("before-restart", shell("echo before"));
    expect(before.phase).toBe("Succeeded");
    const [old] = await operatorPods();
    await k(["delete", "pod", "-n", NS, old.metadata.name, "--wait=false"]);
    // Created while the old pod stops and before the new one is Ready.
    await applyHook("while-restarting", shell("echo once"));
    const fresh = await operatorReady();
    expect(fresh.metadata.uid).not.toBe(old.metadata.uid);
    expect((await finished("while-restarting")).phase).toBe("Succeeded");
    for (const [name, output] of [
      ["before-restart", "before\n"],
      ["while-restarting", "once\n"],
    ] as const) {
      const jobs = await json<{ items: any[] }>(["get", "jobs", "-n", NS, "-l", `plexd.plexsphere.com/hook-name=${name}`]);
      expect(jobs.items).toHaveLength(1);
      const pods = await json<{ items: any[] }>(["get", "pods", "-n", NS, "-l", `job-name=plexdhook-${name}`]);
      expect(pods.items).toHaveLength(1);
      expect(await hookLogs(name)).toBe(output);
    }
    // The new pod read the finished hook's status and left it as it was.
    expect((await json(["get", "plexdhook", "before-restart", "-n", NS])).status).toEqual(before);
  }, 240_000);
});

// The kubelet's default token lives an hour (rotated after 48 minutes); 600 s is the shortest a pod
// may ask for, so the DaemonSet mounts one that short and the kubelet rotates it during this block.
const SHORT_TOKEN = {
  spec: {
    template: {
      spec: {
        automountServiceAccountToken: false,
        volumes: [
          {
            name: "short-token",
            projected: {
              sources: [
                { serviceAccountToken: { path: "token", expirationSeconds: 600 } },
                { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
              ],
            },
          },
        ],
        containers: [
          {
            name: "plexd-hook",
            volumeMounts: [{ name: "short-token", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
          },
        ],
      },
    },
  },
};

/** The token ids (JTIs) the operator pod `uid` has authenticated with, in order of first use. */
function credentialsOf(uid: string): string[] {
  const seen: string[] = [];
  for (const line of readFileSync(cluster.auditLogPath!, "utf8").split("\n")) {
    if (!line.includes(uid)) continue;
    const extra = JSON.parse(line).user?.extra ?? {};
    const id = extra["authentication.kubernetes.io/credential-id"]?.[0];
    if (extra["authentication.kubernetes.io/pod-uid"]?.[0] === uid && id !== undefined && !seen.includes(id)) seen.push(id);
  }
  return seen;
}

describe("hooks on real-0, while the kubelet rotates the operator's 600 s token", () => {
  let operator: any;

  beforeAll(async () => {
    await k(["patch", "daemonset", "plexd-hook", "-n", NS, "--type=strategic", "-p", JSON.stringify(SHORT_TOKEN)]);
    operator = await waitFor(
      "the operator pod with the short-lived token to be Ready",
      async () => {
        const pod = await operatorReady();
        return pod.spec.automountServiceAccountToken === false ? pod : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
  }, 240_000);

  test("the seed's hook aimed at real-0, with busybox for its df, succeeds and kubectl logs shows df -h", async () => {
    const status = await runHook("disk-check", shell("df -h"));
    expect(status).toMatchObject({ phase: "Succeeded", nodeName: NODE, jobName: "plexdhook-disk-check" });
    const logs = await hookLogs("disk-check");
    expect(logs).toMatch(/^Filesystem\s+Size\s+Used\s+Available\s+Use%\s+Mounted on$/m);
    expect(logs).toMatch(/\s\/$/m);
  }, 180_000);

  test("a hook whose command exits 3 fails with exit code 3 in its message", async () => {
    const status = await runHook("exit-three", shell("echo failing; exit 3"));
    expect(status.phase).toBe("Failed");
    expect(status.message).toMatch(/exit(ed with)? code 3\b/);
    expect(await hookLogs("exit-three")).toBe("failing\n");
  }, 180_000);

  const probe = `if [ -b ${"$"}DISK ]; then echo disk=yes; else echo disk=no; fi
if ip link set dev lo mtu 1400 2>/dev/null; then echo link=yes; else echo link=no; fi
if touch /written 2>/dev/null; then echo rootfs=writable; else echo rootfs=read-only; fi`;

  test("a privileged hook sees the host's disk in /dev and may change a network link", async () => {
    const script = probe.replaceAll("$DISK", hostRootDevice());
    const status = await runHook("privileged-probe", { ...shell(script), privileged: true });
    expect(status.phase).toBe("Succeeded");
    expect(await hookLogs("privileged-probe")).toBe("disk=yes\nlink=yes\nrootfs=writable\n");
  }, 180_000);

  test("a non-privileged hook sees no host disk, may not change a link and cannot write its root filesystem", async () => {
    const script = probe.replaceAll("$DISK", hostRootDevice());
    const status = await runHook("plain-probe", shell(script));
    expect(status.phase).toBe("Succeeded");
    expect(await hookLogs("plain-probe")).toBe("disk=no\nlink=no\nrootfs=read-only\n");
  }, 180_000);

  test(
    "the operator switches to the kubelet's new token and works on after the first one expired",
    async () => {
      const uid = operator.metadata.uid;
      const [first] = await waitFor(
        "the operator's requests",
        () => (credentialsOf(uid).length > 0 ? credentialsOf(uid) : undefined),
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      // The kubelet replaces the token after 80 % of its lifetime (plus up to 10 s of jitter). An idle
      // node agent makes no request (no Lease), so a hook on real-0 now and then makes it use its token.
      let round = 0;
      const second = await waitFor(
        "the operator to authenticate with the rotated token",
        async () => {
          const rotated = credentialsOf(uid).find((id) => id !== first);
          if (rotated !== undefined) return rotated;
          const dueAt = Date.parse(operator.status.startTime) + 0.8 * 600_000;
          if (Date.now() >= dueAt) await runHook(`rotation-${round++}`, shell("true"));
          return undefined;
        },
        { timeoutMs: 11 * 60_000, intervalMs: 15_000 },
      );
      expect(second).not.toBe(first);
      const expired = Date.parse(operator.status.startTime) + 600_000;
      // Wall-clock time the system reads: the first token must have expired before the next hook.
      await Bun.sleep(Math.max(0, expired + 10_000 - Date.now()));
      const status = await runHook("after-rotation", shell("echo rotated"));
      expect(status.phase).toBe("Succeeded");
      expect(credentialsOf(uid).at(-1)).not.toBe(first);
    },
    15 * 60_000,
  );
});
