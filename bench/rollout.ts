// bench:rollout (issue 18): one PlexdRollout over BENCH_ROLLOUT_NODES (1,000) kwok nodes at maxParallel
// BENCH_ROLLOUT_PARALLEL (50), hooks of 2 s (image plexd.test/run-2s), run by the fleet controller with a
// cluster-mode executor. Reports the total time against the ideal (nodes ÷ parallel × hook time), the fleet
// controller's CPU and VmRSS, and the rollout duty's requests per node (audit log), with a plot of the
// hooks running over time. Writes bench/results/<date>-<machine>-rollout.{md,svg}.

import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from "../tests/cluster/components.ts";
import { waitFor } from "../tests/cluster/wait.ts";
import { startOperator } from "../tests/e2e/support/operator.ts";
import { type AuditEntry, auditCounts, auditMs, readAudit } from "./support/audit.ts";
import { newResults, withBench } from "./support/context.ts";
import { cpuSeconds, loadavg, machine, rssMb } from "./support/proc.ts";
import { fmt } from "./support/stats.ts";
import { renderChart } from "./support/svg.ts";

const NODES = Number(process.env.BENCH_ROLLOUT_NODES ?? 1_000);
const PARALLEL = Number(process.env.BENCH_ROLLOUT_PARALLEL ?? 50);
const HOOK_SECONDS = 2;
const RESULTS_DIR = join(import.meta.dir, "results");
const names = Array.from({ length: NODES }, (_, i) => `ro-${String(i).padStart(4, "0")}`);

/** The rollout duty's own requests: its rollouts, the hooks it creates, and its Node watch. */
const isRolloutDuty = (e: AuditEntry): boolean => {
  if (!e.user.username.endsWith(":plexd-cluster")) return false;
  const resource = e.objectRef?.resource;
  return resource === "plexdrollouts" || (resource === "plexdhooks" && e.verb === "create") || resource === "nodes";
};

const results = newResults("rollout");
await withBench({ name: "rollout", auditLog: true }, results, async (bench) => {
  // Made here rather than by startCluster, whose minute and a half for every node to be Ready is too
  // short for a thousand on a busy machine.
  const started = Date.now();
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names.slice(i, i + 50).map((name) =>
        bench.admin.request("POST", "/api/v1/nodes", {
          body: {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
              name,
              labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "plexd.test/bench": "rollout" },
              annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
            },
          },
        }),
      ),
    );
  }
  await waitFor(
    `${NODES} nodes to be Ready`,
    async () => {
      const list = await bench.admin.request<{ items: any[] }>("GET", "/api/v1/nodes", {
        query: { labelSelector: "plexd.test/bench=rollout" },
      });
      const ready = list.items.filter((n) => n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
      return ready.length === NODES ? true : undefined;
    },
    { timeoutMs: 900_000, intervalMs: 2_000 },
  );
  console.log(`${NODES} nodes Ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const ns = await bench.env.namespace("rollout");
  await bench.start("operator", { namespace: ns, allNodes: true, flags: ["--workers", "64"] });
  const fleet = startOperator(["fleet", "--kubeconfig", bench.env.operatorKubeconfig, "--namespace", ns, "--agent-selector="]);
  await fleet.waitReady();
  await waitFor("the fleet controller to lead", () => fleet.logs.some((l) => l.msg === "became leader"), { timeoutMs: 90_000 });
  await Bun.sleep(5_000);
  const pid = fleet.proc.pid;
  const cpu0 = cpuSeconds(pid);
  const rssIdle = rssMb(pid);
  const rollout = {
    apiVersion: "plexd.plexsphere.com/v1alpha1",
    kind: "PlexdRollout",
    metadata: { name: "bench", namespace: ns },
  };
  const spec = {
    nodeSelector: { matchLabels: { "plexd.test/bench": "rollout" } },
    template: { hookName: "bench", jobTemplate: { image: `plexd.test/run-${HOOK_SECONDS}s` } },
    strategy: { maxParallel: PARALLEL },
  };
  const path = `/apis/plexd.plexsphere.com/v1alpha1/namespaces/${ns}/plexdrollouts`;
  const from = Date.now();
  await bench.admin.request("POST", path, { body: { ...rollout, spec } });
  const running: Array<[number, number]> = [];
  let rssPeak = rssIdle;
  let status: any = {};
  while (status.phase !== "Succeeded" && status.phase !== "Failed") {
    await Bun.sleep(500);
    status = (await bench.admin.request<any>("GET", `${path}/bench`)).status ?? {};
    running.push([(Date.now() - from) / 1000, status.running ?? 0]);
    rssPeak = Math.max(rssPeak, rssMb(pid));
    if (Date.now() - from > 1_800_000) throw new Error("the rollout did not end within 30 minutes");
  }
  const to = Date.now();
  const cpu = cpuSeconds(pid) - cpu0;
  const seconds = (Date.parse(status.completedAt) - Date.parse(status.startedAt)) / 1000 || (to - from) / 1000;
  const ideal = (NODES / PARALLEL) * HOOK_SECONDS;
  await Bun.sleep(2_000);
  const requests = auditCounts(readAudit(bench.cluster.auditLogPath as string), from, to, isRolloutDuty);
  const total = requests.filter(([key]) => !key.startsWith("watch ")).reduce((sum, [, n]) => sum + n, 0);
  // The Job controller works through every hook's Job with kube-controller-manager's client, limited to
  // 20 requests/s by default (--kube-api-qps): its rate here says whether it, not the rollout, set the pace.
  const isJobController = (e: AuditEntry): boolean => e.user.username === "system:serviceaccount:kube-system:job-controller";
  const jobController = auditCounts(readAudit(bench.cluster.auditLogPath as string), from, to, isJobController)
    .filter(([key]) => !key.startsWith("watch "))
    .reduce((sum, [, n]) => sum + n, 0);
  const conflicts = readAudit(bench.cluster.auditLogPath as string).filter(
    (e) => isRolloutDuty(e) && e.responseStatus?.code === 409 && auditMs(e.requestReceivedTimestamp) >= from,
  ).length;
  const lines = [
    `# bench:rollout, ${new Date(from).toISOString().slice(0, 10)}, ${hostname()}`,
    "",
    `${machine().cores} cores, load before ${results.load.before}, after ${loadavg()}. One PlexdRollout over ${NODES} kwok nodes,`,
    `maxParallel ${PARALLEL}, hooks of ${HOOK_SECONDS} s (plexd.test/run-${HOOK_SECONDS}s), the fleet controller and one cluster-mode executor`,
    "(--all-nodes, --workers 64) as plexd-cluster, on the same machine as the control plane.",
    "",
    "| measure | value |",
    "| --- | --- |",
    `| phase | ${status.phase} (${status.succeeded} succeeded, ${status.failed} failed) |`,
    `| total (startedAt → completedAt) | ${fmt(seconds, 1)} s |`,
    `| ideal (nodes ÷ parallel × hook time) | ${fmt(ideal, 1)} s |`,
    `| total ÷ ideal | ${fmt(seconds / ideal, 2)} |`,
    `| most hooks running at once (status.running, sampled every 0.5 s) | ${Math.max(...running.map(([, n]) => n))} |`,
    `| fleet controller CPU during the rollout | ${fmt(cpu, 1)} s (${fmt((cpu / ((to - from) / 1000)) * 100, 0)}% of a core) |`,
    `| fleet controller VmRSS idle → peak | ${fmt(rssIdle, 1)} MB → ${fmt(rssPeak, 1)} MB |`,
    `| rollout duty's requests (watches aside) | ${total} (${fmt(total / NODES, 2)} per node), ${conflicts} answered 409 |`,
    `| the Job controller's requests meanwhile | ${jobController} (${fmt(jobController / NODES, 2)} per node, ${fmt(jobController / ((to - from) / 1000), 1)}/s; its client's default limit is 20/s) |`,
    "",
    "Requests of the rollout duty by verb and resource (audit log):",
    "",
    ...requests.map(([key, n]) => `- ${key}: ${n}`),
    "",
  ];
  mkdirSync(RESULTS_DIR, { recursive: true });
  const base = `${new Date(from).toISOString().slice(0, 10)}-${hostname()}-rollout`;
  writeFileSync(join(RESULTS_DIR, `${base}.md`), `${lines.join("\n")}\n![hooks running](${base}.svg)\n`);
  writeFileSync(
    join(RESULTS_DIR, `${base}.svg`),
    renderChart({
      title: `${NODES} nodes, maxParallel ${PARALLEL}, ${HOOK_SECONDS} s hooks`,
      x: { label: "seconds since the rollout was created" },
      y: { label: "hooks running (status.running)" },
      series: [
        { label: "running", points: running, step: true },
        {
          label: "maxParallel",
          points: [
            [0, PARALLEL],
            [Math.max(...running.map(([t]) => t)), PARALLEL],
          ],
          dashed: true,
        },
      ],
    }),
  );
  console.log(lines.join("\n"));
  await fleet.stop();
});
