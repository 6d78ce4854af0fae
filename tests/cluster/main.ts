// `npm run cluster`: a local control plane with kwok nodes that stays up until Ctrl-C.
import { startCluster } from "./cluster.ts";

const started = performance.now();
process.stderr.write("cluster: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok…\n");
const cluster = await startCluster({ name: "dev" });
const seconds = ((performance.now() - started) / 1000).toFixed(1);

process.stdout.write(
  [
    `# Cluster ready in ${seconds} s; logs and certificates in ${cluster.dir}`,
    `# API server ${cluster.server}; kwok nodes: ${cluster.nodes.join(", ")}`,
    "# Pod images plexd.test/fail-exit-N fail with exit code N, plexd.test/sleep run forever,",
    "# any other image in a Job's pod succeeds at once. Press Ctrl-C to stop and clean up.",
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
