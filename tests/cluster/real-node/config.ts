// The config files of the real node's containerd, CNI network, kubelet and kube-proxy.
import { join } from "node:path";
import { stringify } from "yaml";
import { CNI_BIN_DIR } from "./host.ts";

export const NODE_NAME = "real-0";
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";
/** The CNI network: one bridge, addresses from one /24; nothing leaves the machine. */
const CNI_NETWORK = "plexd-real-node";
export const CNI_BRIDGE = "plexd-cni0";
const POD_SUBNET = "10.200.0.0/24";
/** Every pod's cgroup lives below this one, so teardown finds (and kills) all of them in one place. */
export const CGROUP_ROOT = "/plexd-real-node";

/** Where one real node keeps everything that is not a fixed host path. */
export interface NodeLayout {
  dir: string;
  hostIp: string;
  kubeletPort: number;
  proxyHealthPort: number;
  proxyMetricsPort: number;
  caFile: string;
  kubeletKubeconfig: string;
  kubeletCert: string;
  kubeletKey: string;
  proxyKubeconfig: string;
}

export const containerdSocket = (dir: string): string => join(dir, "containerd", "containerd.sock");
export const containerdConfigPath = (dir: string): string => join(dir, "containerd", "config.toml");
export const cniConfDir = (dir: string): string => join(dir, "cni", "net.d");

/** containerd 1.6's TOML: every directory it may choose under `dir` except the fixed /run/containerd/s. */
export function containerdConfig(dir: string): string {
  const d = join(dir, "containerd");
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${d}/root"
state = "${d}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${containerdSocket(dir)}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${d}/opt"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  # These machines lack CAP_SYS_RESOURCE: without this every sandbox fails with
  # "runc create failed: ... can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  BinaryName = "/usr/sbin/runc"
  Root = "${d}/runc"
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${CNI_BIN_DIR}"
  conf_dir = "${cniConfDir(dir)}"
`;
}

/** A bridge with host-local addresses, no masquerading: pods only talk to this machine. */
export function cniConfig(dir: string): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: CNI_NETWORK,
      plugins: [
        {
          type: "bridge",
          bridge: CNI_BRIDGE,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: POD_SUBNET }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir: join(dir, "cni", "ipam"),
          },
        },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(l: NodeLayout): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // These machines boot cgroup v1 (hybrid); kubelet 1.35+ refuses that unless told.
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    cgroupRoot: CGROUP_ROOT,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${containerdSocket(l.dir)}`,
    address: l.hostIp,
    port: l.kubeletPort,
    readOnlyPort: 0,
    healthzPort: 0,
    tlsCertFile: l.kubeletCert,
    tlsPrivateKeyFile: l.kubeletKey,
    // The API server proves itself with a client certificate; everyone else is asked about.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: l.caFile } },
    authorization: { mode: "Webhook" },
    podLogsDirectory: join(l.dir, "pod-logs"),
    clusterDomain: "cluster.local",
    // Images are imported, never pulled: nothing may collect them, and a busy disk must not evict.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "50Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%" },
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    nodeStatusUpdateFrequency: "5s",
    syncFrequency: "10s",
  });
}

export function kubeletArgs(l: NodeLayout): string[] {
  return [
    `--config=${join(l.dir, "kubelet.yaml")}`,
    `--kubeconfig=${l.kubeletKubeconfig}`,
    `--root-dir=${join(l.dir, "kubelet")}`,
    `--cert-dir=${join(l.dir, "kubelet", "pki")}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${l.hostIp}`,
    "--node-labels=plexd.test/real-node=true",
    "--v=1",
  ];
}

export function kubeProxyConfig(l: NodeLayout): string {
  return stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: l.proxyKubeconfig },
    hostnameOverride: NODE_NAME,
    mode: "iptables",
    clusterCIDR: POD_SUBNET,
    bindAddress: l.hostIp,
    healthzBindAddress: `127.0.0.1:${l.proxyHealthPort}`,
    metricsBindAddress: `127.0.0.1:${l.proxyMetricsPort}`,
    // Leave the machine's conntrack table sizes and route_localnet alone.
    conntrack: { maxPerCore: 0, min: 0 },
    iptables: { localhostNodePorts: false },
  });
}

export function kubeProxyArgs(l: NodeLayout): string[] {
  return [`--config=${join(l.dir, "kube-proxy.yaml")}`, "--v=1"];
}
