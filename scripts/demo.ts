// The newcomer demo: local control plane, plexd-hook installed and running, the example hook (examples/disk-check.yaml) to Succeeded.

import { join } from "node:path";
import { startCluster } from "../tests/cluster/cluster.ts";

const root = join(import.meta.dir, "..");
const EXAMPLE = join(root, "examples", "disk-check.yaml");

function step(text: string): void {
  console.log(`\n==> ${text}`);
}

step("Building ./plexd-hook");
const build = Bun.spawnSync([process.execPath, "run", "scripts/build.ts"], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) process.exit(1);

step(
  "Starting a local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes; the first run builds them, ~7 min)",
);
const cluster = await startCluster({ name: "demo" });
let operator: ReturnType<typeof Bun.spawn> | undefined;
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

  step("Running the operator for node-a: ./plexd-hook --kubeconfig ... --node-name node-a --log-format text");
  operator = Bun.spawn(
    [
      join(root, "plexd-hook"),
      "--kubeconfig",
      cluster.kubeconfig,
      "--node-name",
      "node-a",
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
  operator?.kill("SIGTERM");
  await operator?.exited;
  await cluster.stop();
}
process.exit(code);
