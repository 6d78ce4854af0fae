// Joins real-0 to a local control plane: containerd, runc, a CNI bridge, the kubelet and kube-proxy.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ApiConnection } from "../api.ts";
import { apiRequest } from "../api.ts";
import type { NodeBinPaths } from "../binaries.ts";
import type { Child } from "../child.ts";
import { startChild } from "../child.ts";
import { createClient } from "../clients.ts";
import { acquireLock } from "../lock.ts";
import { waitNodesSchedulable } from "../nodes.ts";
import type { Pki } from "../pki.ts";
import { issueServingCert } from "../pki.ts";
import { freePorts } from "../ports.ts";
import { waitFor } from "../wait.ts";
import * as config from "./config.ts";
import { cgroupMounts } from "./host.ts";
import type { HostState } from "./host-state.ts";
import { LOCK_FILE, NODE_DIR, readState, recordHost, STATE_FILE } from "./host-state.ts";
import { ctr, importBaseImages, importImage } from "./images.ts";
import { leftovers, teardownHost, teardownRecorded } from "./teardown.ts";

export interface RealNode {
  name: string;
  hostIp: string;
  /** containerd's socket, for `ctr --address`. */
  socket: string;
  /** Milliseconds from starting the kubelet to the node being Ready and schedulable. */
  kubeletReadyMs: number;
  /** Milliseconds from taking the lock to the node being Ready, images imported included. */
  startMs: number;
  /** Imports an image archive (OCI or Docker) into the node, as `ctr -n k8s.io images import`. */
  importImage(archive: string): void;
  /**
   * Stops containerd (SIGTERM, as `systemctl restart` does) and starts it again with the same config;
   * the running containers' shims live on. Resolves once its socket answers, with the old and the new process ids.
   */
  restartContainerd(): Promise<{ stopped: number; started: number }>;
  /** Stops the kubelet (SIGTERM); its containers go on running, the node stops reporting. */
  stopKubelet(): Promise<void>;
  /** Starts the kubelet again after stopKubelet(), with the same config and credentials. */
  startKubelet(): void;
  /** Kills every container and component and removes what they left on the machine. */
  stop(): Promise<void>;
  /** After stop(): what was still on the machine when it ended, one line each (empty when the teardown was complete). */
  leftovers(): string[];
}

export interface RealNodeContext {
  server: string;
  pki: Pki;
  hostIp: string;
  bin: NodeBinPaths;
  conn: ApiConnection;
  timeoutMs: number;
}

// Without a process to run the teardown, a SIGKILLed test would leave containers and mounts behind.
const WATCHDOG = `
parent=$1; bun=$2; script=$3; state=$4
while kill -0 "$parent" 2>/dev/null && [ -e "$state" ]; do sleep 1; done
[ -e "$state" ] && exec "$bun" "$script" "$parent"
`;

/** Starts the watchdog; returns its pid. */
function startWatchdog(): number {
  const script = join(import.meta.dir, "teardown.ts");
  const args = ["-c", WATCHDOG, "watchdog", String(process.pid), process.execPath, script, STATE_FILE];
  const proc = spawn("/bin/sh", args, { detached: true, stdio: "ignore" });
  proc.unref();
  return proc.pid as number;
}

/** Whether `pid` still runs (a zombie waiting to be reaped does not). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

async function writeCredentials(
  ctx: RealNodeContext,
  dir: string,
  layout: Omit<config.NodeLayout, "kubeletKubeconfig" | "kubeletCert" | "kubeletKey" | "proxyKubeconfig">,
): Promise<config.NodeLayout> {
  const pki = join(dir, "pki");
  mkdirSync(pki, { recursive: true });
  const user = `system:node:${config.NODE_NAME}`;
  const [kubelet, serving, proxy] = await Promise.all([
    createClient(ctx.pki, dir, ctx.server, "kubelet", user, ["system:nodes"]),
    issueServingCert(ctx.pki, pki, "kubelet-serving", user, ["system:nodes"], [`DNS:${config.NODE_NAME}`, `IP:${ctx.hostIp}`]),
    // Bootstrap RBAC binds system:node-proxier to this user, as on kubeadm clusters.
    createClient(ctx.pki, dir, ctx.server, "kube-proxy", "system:kube-proxy"),
  ]);
  return {
    ...layout,
    kubeletKubeconfig: kubelet.kubeconfig,
    kubeletCert: serving.cert,
    kubeletKey: serving.key,
    proxyKubeconfig: proxy.kubeconfig,
  };
}

async function waitContainerd(socket: string, child: Child, timeoutMs: number): Promise<void> {
  await waitFor("containerd", async () => (existsSync(socket) && ctr(socket, ["version"]) ? true : undefined), {
    timeoutMs,
    children: [child],
  });
}

/** Starts real-0; only one can run on a machine at a time, so this waits for another to finish. */
export async function startRealNode(ctx: RealNodeContext): Promise<RealNode> {
  const release = await acquireLock(LOCK_FILE, "stop its real node", teardownRecorded);
  const started = performance.now();
  const children: Child[] = [];
  let state: HostState | undefined;
  let left: string[] = [];
  let watchdog: number | undefined;
  const stop = async (): Promise<void> => {
    try {
      await Promise.all(children.map((c) => c.stop(2_000)));
      if (state !== undefined) await teardownHost(state);
      // Without the state file the watchdog ends by itself.
      rmSync(STATE_FILE, { force: true });
      // Looked at while the lock is held (once it is released, the next test's node may start at once),
      // after the watchdog has seen the state file go (it looks once a second).
      if (watchdog !== undefined)
        await waitFor("the watchdog to end", () => !alive(watchdog as number) || undefined, { timeoutMs: 5_000 }).catch(() => {});
      if (state !== undefined) left = leftovers(state);
    } finally {
      release();
    }
  };
  try {
    // A run that died before its watchdog finished may have left a node behind.
    if (readState() !== undefined) await teardownRecorded();
    rmSync(NODE_DIR, { recursive: true, force: true });
    const dir = NODE_DIR;
    mkdirSync(join(dir, "logs"), { recursive: true });
    state = recordHost(dir);
    watchdog = startWatchdog();
    const [kubeletPort, proxyHealthPort, proxyMetricsPort] = await freePorts(3);
    const layout = await writeCredentials(ctx, dir, {
      dir,
      hostIp: ctx.hostIp,
      kubeletPort: kubeletPort!,
      proxyHealthPort: proxyHealthPort!,
      proxyMetricsPort: proxyMetricsPort!,
      caFile: ctx.pki.caCert,
    });
    mkdirSync(config.cniConfDir(dir), { recursive: true });
    mkdirSync(join(dir, "containerd"), { recursive: true });
    writeFileSync(config.containerdConfigPath(dir), config.containerdConfig(dir));
    writeFileSync(join(config.cniConfDir(dir), "10-plexd.conflist"), config.cniConfig(dir));
    writeFileSync(join(dir, "kubelet.yaml"), config.kubeletConfig(layout));
    writeFileSync(join(dir, "kube-proxy.yaml"), config.kubeProxyConfig(layout));
    // The kubelet wants its cgroup root to exist in every hierarchy.
    for (const mount of cgroupMounts()) mkdirSync(join(mount, config.CGROUP_ROOT), { recursive: true });

    const start = (name: string, file: string, args: string[]): Child => {
      const child = startChild(name, file, args, { logPath: join(dir, "logs", `${name}.log`) });
      children.push(child);
      return child;
    };
    /** Stops a component and forgets it, so that starting it again leaves one child to stop at the end. */
    const halt = async (child: Child): Promise<void> => {
      await child.stop(5_000);
      children.splice(children.indexOf(child), 1);
    };
    const socket = config.containerdSocket(dir);
    const startContainerd = () => start("containerd", "/usr/bin/containerd", [`--config=${config.containerdConfigPath(dir)}`]);
    let containerd = startContainerd();
    await waitContainerd(socket, containerd, ctx.timeoutMs);
    importBaseImages(socket, dir, ctx.bin.pause);

    const kubeletStarted = performance.now();
    const startKubelet = () => start("kubelet", ctx.bin.kubelet, config.kubeletArgs(layout));
    let kubelet = startKubelet();
    start("kube-proxy", ctx.bin.kubeProxy, config.kubeProxyArgs(layout));
    await waitNodesSchedulable(ctx.conn, [config.NODE_NAME], children, ctx.timeoutMs);
    const ready = performance.now();
    return {
      name: config.NODE_NAME,
      hostIp: ctx.hostIp,
      socket,
      kubeletReadyMs: Math.round(ready - kubeletStarted),
      startMs: Math.round(ready - started),
      importImage: (archive) => importImage(socket, archive),
      async restartContainerd() {
        const stopped = containerd.pid;
        await halt(containerd);
        containerd = startContainerd();
        await waitContainerd(socket, containerd, ctx.timeoutMs);
        return { stopped, started: containerd.pid };
      },
      async stopKubelet() {
        await halt(kubelet);
      },
      startKubelet() {
        if (!kubelet.isRunning()) kubelet = startKubelet();
      },
      stop,
      leftovers: () => left,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Lets the API server's kubelet client (`kube-apiserver-kubelet-client`) use the kubelet API, as kubeadm does. */
export async function grantKubeletApi(conn: ApiConnection, user: string): Promise<void> {
  const res = await apiRequest(conn, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "kube-apiserver-kubelet-api-admin" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:kubelet-api-admin" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`Granting the kubelet API to ${user}: HTTP ${res.status}`);
}
