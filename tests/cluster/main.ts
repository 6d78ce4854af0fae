// `npm run cluster [-- --real-node]`: a local control plane with kwok nodes (and real-0) until Ctrl-C.
import { startCluster } from "./cluster.ts";

const realNode = Bun.argv.includes("--real-node");
const started = performance.now();
process.stderr.write(
  `cluster: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok${realNode ? ", containerd, kubelet, kube-proxy" : ""}…\n`,
);
const cluster = await startCluster({ name: "dev", realNode }).catch((err: unknown) => {
  process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const real = cluster.realNode;

process.stdout.write(
  [
    `# Cluster ready in ${seconds} s; logs and certificates in ${cluster.dir}`,
    `# API server ${cluster.server}; kwok nodes: ${cluster.nodes.filter((n) => n !== real?.name).join(", ")}`,
    "# Pod images plexd.test/fail-exit-N fail with exit code N, plexd.test/sleep run forever,",
    "# plexd.test/run-2s after 2 s; any other image in a Job's pod succeeds at once (on the kwok nodes).",
    "# A node labelled plexd.test/fail-exit=N fails every Job pod on it with exit code N.",
    ...(real === undefined
      ? ["# Add --real-node for real-0, a kubelet running real containers (root only)."]
      : [
          `# Real node ${real.name} (${real.hostIp}) Ready ${(real.kubeletReadyMs / 1000).toFixed(1)} s after its kubelet started;`,
          `# images without a registry: ctr --address ${real.socket} -n k8s.io images import IMAGE.tar`,
        ]),
    "# Press Ctrl-C to stop and clean up.",
    `export KUBECONFIG=${cluster.kubeconfig}`,
    "",
  ].join("\n"),
);

let stopping = false;
const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\ncluster: ${signal}, stopping…\n`);
  await cluster.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
