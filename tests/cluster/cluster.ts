// The local control plane, a development tool (not a test): a throwaway Kubernetes control plane with kwok nodes on loopback, started by npm run cluster, scripts, benchmarks and the e2e tests.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, waitApiServerReady, waitDefaultServiceAccount } from "./api.ts";
import type { BinPaths } from "./binaries.ts";
import { ensureBinaries, ensureNodeBinaries } from "./binaries.ts";
import type { Child } from "./child.ts";
import { startChild } from "./child.ts";
import { createClient, createComponentClients } from "./clients.ts";
import * as components from "./components.ts";
import type { KubectlResult } from "./kubectl.ts";
import { runKubectl } from "./kubectl.ts";
import { createNodes, DEFAULT_NODES, waitNodesSchedulable } from "./nodes.ts";
import { createPki, issueClientCert } from "./pki.ts";
import { freePorts } from "./ports.ts";
import { hostAddress, realNodeUnavailable } from "./real-node/host.ts";
import type { RealNode } from "./real-node/node.ts";
import { grantKubeletApi, startRealNode } from "./real-node/node.ts";
import { trackDirectory, untrackDirectory } from "./reaper.ts";
import { recordProcessGroup, startWatchdog } from "./watchdog.ts";

export interface StartOptions {
  /** Names of the kwok nodes to create; default node-a, node-b, node-c. */
  nodes?: string[];
  /** Write a Metadata-level audit log of every request to `Cluster.auditLogPath`. */
  auditLog?: boolean;
  /** Goes into the temporary directory's name, to tell clusters apart. */
  name?: string;
  /**
   * Also join real-0: a kubelet with containerd and runc running real containers (needs root; one
   * per machine at a time). When the machine cannot, startCluster throws with the reason in one line.
   */
  realNode?: boolean;
  /**
   * Seconds a node may miss heartbeats before the controller manager calls it NotReady (default 50):
   * fault tests that stop a kubelet shorten it to keep their runtime down.
   */
  nodeMonitorGracePeriodSeconds?: number;
}

export interface Cluster {
  /** Admin (system:masters) kubeconfig. */
  kubeconfig: string;
  server: string;
  caFile: string;
  /** Holds certificates, kubeconfigs, etcd's data and logs/<component>.log. */
  dir: string;
  bin: BinPaths;
  nodes: readonly string[];
  auditLogPath?: string;
  /** The real node, when asked for. */
  realNode?: RealNode;
  kubectl(args: string[], opts?: { stdin?: string; kubeconfig?: string }): Promise<KubectlResult>;
  /** A kubeconfig authenticating with a client certificate as `user` in `groups` (RBAC applies). */
  kubeconfigFor(user: string, groups?: string[]): Promise<string>;
  /**
   * Kills the API server as a crash would, leaving etcd and everything else running (for fault
   * tests). Not SIGTERM: a graceful stop holds open watches for up to 60 s before it exits.
   */
  stopApiServer(): Promise<void>;
  /** Starts the API server again on the same port with the same certificates and waits for it. */
  startApiServer(): Promise<void>;
  /** Kills every component and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

// Generous: with several suites booting clusters at once on two cores, each boot slows down a lot.
const READY_TIMEOUT_MS = 90_000;
// A port found free can be taken by someone else before the component binds it; then start over.
const ATTEMPTS = 3;

async function startOnce(opts: StartOptions, bin: BinPaths, hostIp: string | undefined): Promise<Cluster> {
  const kwokNodes = opts.nodes ?? DEFAULT_NODES;
  const dir = mkdtempSync(join(tmpdir(), `plexd-${opts.name ?? "cluster"}-`));
  trackDirectory(dir);
  mkdirSync(join(dir, "logs"));
  const children: Child[] = [startWatchdog(dir)];
  const start = (name: string, file: string, args: string[], env?: Record<string, string>): Child => {
    const child = startChild(name, file, args, { logPath: join(dir, "logs", `${name}.log`), env });
    recordProcessGroup(dir, child);
    children.push(child);
    return child;
  };
  let realNode: RealNode | undefined;
  const stopAll = async (): Promise<void> => {
    // The kubelet first: it must not see its API server vanish and start evicting.
    await realNode?.stop();
    await Promise.all(children.map((c) => c.stop(0)));
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    untrackDirectory(dir);
  };

  try {
    const [pki, [etcdClientPort, etcdPeerPort, apiServerPort]] = await Promise.all([
      createPki(join(dir, "pki"), hostIp === undefined ? [] : [hostIp]),
      freePorts(3),
    ]);
    const kubeletClient =
      hostIp === undefined
        ? undefined
        : await issueClientCert(pki, join(dir, "pki"), "apiserver-kubelet-client", components.KUBELET_CLIENT_USER);
    const layout: components.Layout = {
      dir,
      etcdClientPort: etcdClientPort!,
      etcdPeerPort: etcdPeerPort!,
      apiServerPort: apiServerPort!,
      pki,
      ...(hostIp === undefined ? {} : { hostIp, kubeletClient }),
      ...(opts.nodeMonitorGracePeriodSeconds === undefined
        ? {}
        : { nodeMonitorGracePeriodSeconds: opts.nodeMonitorGracePeriodSeconds }),
      ...(opts.auditLog === true ? { auditPolicy: join(dir, "audit-policy.yaml"), auditLog: join(dir, "audit.log") } : {}),
    };
    if (layout.auditPolicy !== undefined) await Bun.write(layout.auditPolicy, components.AUDIT_POLICY);

    start("etcd", bin.etcd, components.etcdArgs(layout));
    // The API server retries etcd while that starts, so both boot at once.
    let apiServer = start("kube-apiserver", bin.kubeApiserver, components.apiServerArgs(layout));
    const server = `https://${hostIp ?? "127.0.0.1"}:${apiServerPort}`;
    const clients = await createComponentClients(pki, dir, server);
    const schedulerConfig = join(dir, "kube-scheduler.yaml");
    await Bun.write(schedulerConfig, components.schedulerConfig(clients.scheduler.kubeconfig));
    const conn = await connect(server, pki.caCert, clients.admin.cert);
    await waitApiServerReady(conn, children, READY_TIMEOUT_MS);
    if (hostIp !== undefined) await grantKubeletApi(conn, components.KUBELET_CLIENT_USER);

    // The controller manager gives up if the API server is not healthy within seconds of its own
    // start, so it (and, for symmetry, the other clients) starts only now.
    const kcmArgs = components.controllerManagerArgs(layout, clients.controllerManager.kubeconfig);
    start("kube-controller-manager", bin.kubeControllerManager, kcmArgs);
    start("kube-scheduler", bin.kubeScheduler, components.schedulerArgs(schedulerConfig));
    // HOME points into the cluster so a developer's ~/.kwok/kwok.yaml cannot add stages.
    start("kwok", bin.kwok, components.kwokArgs(clients.kwok.kubeconfig), { HOME: dir });

    await createNodes(conn, kwokNodes);
    await Promise.all([
      waitDefaultServiceAccount(conn, children, READY_TIMEOUT_MS),
      waitNodesSchedulable(conn, kwokNodes, children, READY_TIMEOUT_MS),
    ]);
    if (hostIp !== undefined) {
      const bins = await ensureNodeBinaries();
      realNode = await startRealNode({ server, pki, hostIp, bin: bins, conn, timeoutMs: READY_TIMEOUT_MS });
    }
    const nodes = realNode === undefined ? kwokNodes : [...kwokNodes, realNode.name];

    let stopped = false;
    return {
      kubeconfig: clients.admin.kubeconfig,
      server,
      caFile: pki.caCert,
      dir,
      bin,
      nodes,
      ...(realNode === undefined ? {} : { realNode }),
      ...(layout.auditLog === undefined ? {} : { auditLogPath: layout.auditLog }),
      kubectl: (args, o = {}) => runKubectl(bin.kubectl, o.kubeconfig ?? clients.admin.kubeconfig, args, o.stdin),
      async kubeconfigFor(user, groups = []) {
        const file = `user-${user.replace(/[^A-Za-z0-9._-]/g, "_")}`;
        return (await createClient(pki, dir, server, file, user, groups)).kubeconfig;
      },
      async stopApiServer() {
        await apiServer.stop(0);
        // Forget it, or every later wait would fail fast on its exit.
        children.splice(children.indexOf(apiServer), 1);
      },
      async startApiServer() {
        if (apiServer.isRunning()) return;
        apiServer = start("kube-apiserver", bin.kubeApiserver, components.apiServerArgs(layout));
        await waitApiServerReady(conn, children, READY_TIMEOUT_MS);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok, and the nodes. */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  let hostIp: string | undefined;
  if (opts.realNode === true) {
    const unavailable = realNodeUnavailable();
    if (unavailable !== undefined) throw new Error(unavailable);
    hostIp = hostAddress();
  }
  const bin = await ensureBinaries({ withNode: opts.realNode === true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, bin, hostIp);
    } catch (err) {
      const portTaken = err instanceof Error && err.message.includes("address already in use");
      if (!portTaken || attempt >= ATTEMPTS) throw err;
      process.stderr.write(`cluster: a port was taken while starting; retrying (attempt ${attempt + 1})\n`);
    }
  }
}
