// Command lines and config files of etcd, the Kubernetes control plane and kwok for one cluster.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Pki } from "./pki.ts";

/** Where a cluster keeps everything and which ports it listens on. */
export interface Layout {
  dir: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  apiServerPort: number;
  pki: Pki;
  auditPolicy?: string;
  auditLog?: string;
  /** With a real node: the machine's address, which the API server binds and advertises. */
  hostIp?: string;
  /** With a real node: the API server's client certificate for the kubelet API. */
  kubeletClient?: { cert: string; key: string };
  /** How long a node may miss heartbeats before it is NotReady; the controller manager's default (50 s) when unset. */
  nodeMonitorGracePeriodSeconds?: number;
}

/** The API server's identity towards kubelets, named as kubeadm names it. */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";
// Fake pod IPs must not look like service IPs.
const POD_CIDR = "10.244.0.0/16";
const ISSUER = "https://kubernetes.default.svc.cluster.local";
/** The annotation that hands a Node to kwok. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const KWOK_NODE_ANNOTATION_VALUE = "fake";
const STAGES_DIR = join(import.meta.dir, "stages");

export function etcdArgs(l: Layout): string[] {
  const client = `http://127.0.0.1:${l.etcdClientPort}`;
  const peer = `http://127.0.0.1:${l.etcdPeerPort}`;
  return [
    "--name=plexd-test",
    `--data-dir=${join(l.dir, "etcd")}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=plexd-test=${peer}`,
    // The data dies with the test; durability only costs time.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

export function apiServerArgs(l: Layout): string[] {
  const address = l.hostIp ?? "127.0.0.1";
  const args = [
    `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
    `--bind-address=${address}`,
    `--advertise-address=${address}`,
    `--secure-port=${l.apiServerPort}`,
    `--cert-dir=${join(l.dir, "apiserver")}`,
    `--tls-cert-file=${l.pki.serverCert}`,
    `--tls-private-key-file=${l.pki.serverKey}`,
    `--client-ca-file=${l.pki.caCert}`,
    // RBAC so tests meet the same denials as a real cluster; Node because kubeadm clusters have it.
    "--authorization-mode=Node,RBAC",
    `--service-account-issuer=${ISSUER}`,
    `--api-audiences=${ISSUER}`,
    `--service-account-key-file=${l.pki.saPublicKey}`,
    `--service-account-signing-key-file=${l.pki.saPrivateKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    "--allow-privileged=true",
    "--profiling=false",
  ];
  if (l.hostIp === undefined || l.kubeletClient === undefined) {
    // The default reconciler would publish 127.0.0.1 as the kubernetes Service's endpoint, which
    // validation rejects (loopback) every ten seconds; no pod here could use it anyway.
    args.push("--endpoint-reconciler-type=none");
  } else {
    // Pods on the real node reach the API server through the kubernetes Service (kube-proxy), and
    // the API server reaches the kubelet (logs, exec) at its InternalIP, authenticated both ways.
    args.push(
      "--kubelet-preferred-address-types=InternalIP,Hostname",
      `--kubelet-client-certificate=${l.kubeletClient.cert}`,
      `--kubelet-client-key=${l.kubeletClient.key}`,
      `--kubelet-certificate-authority=${l.pki.caCert}`,
      "--enable-admission-plugins=NodeRestriction",
    );
  }
  if (l.auditPolicy !== undefined && l.auditLog !== undefined) {
    args.push(`--audit-policy-file=${l.auditPolicy}`, `--audit-log-path=${l.auditLog}`);
  }
  return args;
}

/** Records every request at Metadata level: who did what to which object, without bodies. */
export const AUDIT_POLICY = stringify({
  apiVersion: "audit.k8s.io/v1",
  kind: "Policy",
  omitStages: ["RequestReceived"],
  rules: [{ level: "Metadata" }],
});

export function controllerManagerArgs(l: Layout, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    // Nothing needs its metrics or health endpoints, and a fixed port would collide between clusters.
    "--secure-port=0",
    "--leader-elect=false",
    "--controllers=*",
    // One identity per controller, as kubeadm does, so RBAC is exercised the way it is in production.
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${l.pki.saPrivateKey}`,
    `--root-ca-file=${l.pki.caCert}`,
    `--cluster-signing-cert-file=${l.pki.caCert}`,
    `--cluster-signing-key-file=${l.pki.caKey}`,
    // New nodes carry a not-ready taint until this controller sees them Ready; check every second.
    "--node-monitor-period=1s",
    ...(l.nodeMonitorGracePeriodSeconds === undefined ? [] : [`--node-monitor-grace-period=${l.nodeMonitorGracePeriodSeconds}s`]),
  ];
}

/** The scheduler takes its client settings only from a config file now (--kubeconfig is deprecated). */
export function schedulerConfig(kubeconfig: string): string {
  return stringify({
    apiVersion: "kubescheduler.config.k8s.io/v1",
    kind: "KubeSchedulerConfiguration",
    clientConnection: { kubeconfig },
    leaderElection: { leaderElect: false },
    // Tests create pods the moment a node appears; retry unschedulable pods quickly.
    podInitialBackoffSeconds: 1,
    podMaxBackoffSeconds: 2,
  });
}

export function schedulerArgs(configFile: string): string[] {
  return [`--config=${configFile}`, "--secure-port=0"];
}

/** The stage files kwok plays, in tests/cluster/stages (see the comment on top of each). */
function stageFiles(): string[] {
  return readdirSync(STAGES_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(STAGES_DIR, f));
}

export function kwokArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    "--manage-all-nodes=false",
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
    `--cidr=${POD_CIDR}`,
    // kwok renews node Leases like a kubelet, so the node lifecycle controller keeps nodes Ready.
    "--node-lease-duration-seconds=40",
    ...stageFiles().map((f) => `--config=${f}`),
  ];
}
