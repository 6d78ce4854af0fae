// The newcomer demo: local control plane, plexd-hook installed and running, the example hook (examples/disk-check.yaml) to Succeeded.

import { join } from "node:path";
import { startCluster } from "../tests/cluster/cluster.ts";

const root = join(import.meta.dir, "..");
const EXAMPLE = join(root, "examples", "disk-check.yaml");

function step(text: string): void {
  console.log(`\n==> ${text}`);
}

// PLEXD_DEMO_PREBUILT=1 (the e2e test of this demo) takes the ./plexd-hook that `npm test` built: compiling
// it again here would replace the binary under the other end-to-end files running at the same time.
if (!process.env.PLEXD_DEMO_PREBUILT) {
  step("Building ./plexd-hook");
  const build = Bun.spawnSync([process.execPath, "run", "scripts/build.ts"], { cwd: root, stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) process.exit(1);
}

step(
  "Starting a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes; the first run builds them, ~7 min)",
);
const cluster = await startCluster({ name: "demo" });
const processes: Array<ReturnType<typeof Bun.spawn>> = [];
let code = 1;
try {
  const kubectl = async (args: string[], show = true): Promise<string> => {
    const result = await cluster.kubectl(args);
    if (show) process.stdout.write(result.stdout);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr.trim()}`);
    return result.stdout;
  };
  console.log(`kubeconfig: ${cluster.kubeconfig}`);
  await kubectl(["get", "nodes"]);

  step("Installing plexd-hook: ./plexd-hook manifests | kubectl apply -f -");
  const manifests = Bun.spawnSync([join(root, "plexd-hook"), "manifests"]).stdout.toString();
  const applied = await cluster.kubectl(["apply", "-f", "-"], { stdin: manifests });
  process.stdout.write(applied.stdout);
  if (applied.code !== 0) throw new Error(applied.stderr);
  await kubectl(["wait", "--for=condition=Established", "crd/plexdhooks.plexd.plexsphere.com", "--timeout=60s"], false);

  // What the DaemonSet and the fleet Deployment run in a cluster, here as processes on this machine: a node
  // agent per kwok node and the fleet controller, which assigns the example hook (it names no node) to one.
  step("Running a node agent per node and the fleet controller: ./plexd-hook --node-name NODE, ./plexd-hook fleet");
  const run = (args: string[]) =>
    Bun.spawn(
      [
        join(root, "plexd-hook"),
        ...args,
        "--kubeconfig",
        cluster.kubeconfig,
        "--log-format",
        "text",
        "--health-addr",
        "127.0.0.1:0",
      ],
      {
        stdout: "inherit",
        stderr: "inherit",
      },
    );
  processes.push(...cluster.nodes.map((node) => run(["--node-name", node])));
  // Every Ready node counts as having an agent: the agents run here, not as the DaemonSet's pods.
  processes.push(run(["fleet", "--agent-selector="]));

  step(`Applying the example hook: kubectl apply -f ${EXAMPLE}`);
  await kubectl(["apply", "-f", EXAMPLE]);

  step("Waiting for it to succeed");
  const deadline = Date.now() + 60_000;
  let phase = "";
  while (Date.now() < deadline && phase !== "Succeeded" && phase !== "Failed") {
    await Bun.sleep(250);
    phase = (
      await kubectl(["get", "ph", "disk-check-node01", "-n", "plexd-system", "-o", "jsonpath={.status.phase}"], false)
    ).trim();
  }
  await kubectl(["get", "ph", "-n", "plexd-system", "-o", "wide"]);
  await kubectl(["get", "jobs", "-n", "plexd-system", "-L", "plexd.plexsphere.com/node"]);
  if (phase !== "Succeeded") throw new Error(`the example hook ended ${phase || "without a phase"}, not Succeeded`);
  step("The example hook reached Succeeded");
  code = 0;
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
} finally {
  step("Cleaning up");
  for (const proc of processes) proc.kill("SIGTERM");
  await Promise.all(processes.map((proc) => proc.exited));
  await cluster.stop();
}
process.exit(code);
