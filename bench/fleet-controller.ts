// The fleet controller at scale (issue 22 §2): BENCH_FC_NODES (5,000) kwok Nodes and BENCH_FC_HOOKS
// (10,000) hooks without spec.nodeName, one `plexd-hook fleet --agent-selector=` (every Ready node can
// take hooks). Measures its VmRSS and CPU idle and once every hook is assigned, the time to assign
// them all, and its requests by verb and resource from the audit log: at idle, and per hook.
// `npm run bench:fleet-controller`; writes bench/results/<date>-<machine>-fleet-controller.md.

import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from "../tests/cluster/components.ts";
import { startOperator } from "../tests/e2e/support/operator.ts";
import { hooksPath } from "./support/api.ts";
import { auditCounts, readAudit } from "./support/audit.ts";
import type { Bench } from "./support/context.ts";
import { createMany } from "./support/creators.ts";
import { cpuSeconds, rssMb } from "./support/proc.ts";
import { fmt } from "./support/stats.ts";

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const IDLE_S = env("BENCH_FC_IDLE_S", 60);

export const fcNodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `fc-${String(i).padStart(5, "0")}`);

/** How many hooks of `ns` have a node in their status (the fleet controller's assignment). */
async function assigned(bench: Bench, ns: string): Promise<number> {
  const list = await bench.admin.request<{ items: Array<{ status?: { nodeName?: string } }> }>("GET", hooksPath(ns));
  return list.items.filter((h) => h.status?.nodeName).length;
}

/** The controller's requests in [from, to] (audit log), watches aside, by `verb resource`. */
function requests(bench: Bench, from: number, to: number): Array<[string, number]> {
  const path = bench.cluster.auditLogPath;
  return path ? auditCounts(readAudit(path), from, to).filter(([key]) => !key.startsWith("watch ")) : [];
}

/** Registers `names` with kwok in chunks and waits until all are Ready (startCluster's wait is made for a few). */
async function addNodes(bench: Bench, names: string[]): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < names.length; i += 100) {
    await Promise.all(
      names.slice(i, i + 100).map((name) =>
        bench.admin.request("POST", "/api/v1/nodes", {
          body: {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
              name,
              labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", type: "kwok" },
              annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
            },
          },
        }),
      ),
    );
  }
  for (;;) {
    const list = await bench.admin.request<{
      items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
    }>("GET", "/api/v1/nodes", { query: { labelSelector: "type=kwok" } });
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    if (ready >= names.length) break;
    if (performance.now() - started > 1_800_000) throw new Error(`only ${ready} of ${names.length} nodes Ready after 30 min`);
    await Bun.sleep(10_000);
  }
  console.log(`${names.length} nodes Ready after ${fmt((performance.now() - started) / 1000)} s`);
}

export async function fleetController(bench: Bench, nodes: number): Promise<void> {
  const hooks = env("BENCH_FC_HOOKS", 10_000);
  await addNodes(bench, fcNodes(nodes));
  const ns = await bench.env.namespace("fleet-controller");
  const fc = startOperator(["fleet", "--kubeconfig", bench.env.operatorKubeconfig, "--namespace", ns, "--agent-selector="]);
  try {
    await fc.waitReady();
    const pid = fc.proc.pid;
    await Bun.sleep(IDLE_S * 1000);
    const idleFrom = Date.now() - (IDLE_S - 5) * 1000;
    const idle = { rssMb: rssMb(pid), requests: requests(bench, idleFrom, Date.now()) };
    console.log(`fleet controller with ${nodes} nodes, idle: ${fmt(idle.rssMb)} MB`);

    const cpu0 = cpuSeconds(pid);
    const from = Date.now();
    const started = performance.now();
    await createMany(bench.admin, ns, hooks, 8, () => undefined, "fc-");
    let done = await assigned(bench, ns);
    while (done < hooks && performance.now() - started < 1_800_000) {
      await Bun.sleep(5_000);
      done = await assigned(bench, ns);
    }
    const assignMs = performance.now() - started;
    const busy = {
      rssMb: rssMb(pid),
      cpuSeconds: cpuSeconds(pid) - cpu0,
      perHook: requests(bench, from, Date.now()).map(([key, n]): [string, number] => [key, n / hooks]),
    };
    await Bun.sleep(IDLE_S * 1000);
    const after = { rssMb: rssMb(pid), requests: requests(bench, Date.now() - (IDLE_S - 5) * 1000, Date.now()) };
    const perSecond = (r: Array<[string, number]>) => r.map(([k, n]): [string, number] => [k, n / (IDLE_S - 5)]);
    bench.results.fleetController = {
      nodes,
      hooks,
      assigned: done,
      assignMs,
      idle: { rssMb: idle.rssMb, requestsPerSecond: perSecond(idle.requests) },
      busy,
      after: { rssMb: after.rssMb, requestsPerSecond: perSecond(after.requests) },
    };
    console.log(
      `fleet controller: ${done}/${hooks} hooks assigned in ${fmt(assignMs / 1000)} s, ${fmt(busy.cpuSeconds, 2)} s CPU, VmRSS ${fmt(idle.rssMb)} → ${fmt(busy.rssMb)} → ${fmt(after.rssMb)} MB; per hook ${busy.perHook.map(([k, n]) => `${k} ${fmt(n, 3)}`).join(", ")}`,
    );
  } finally {
    await fc.stop();
  }
}

if (import.meta.main) {
  const { newResults, withBench } = await import("./support/context.ts");
  const { writeResults } = await import("./support/report.ts");
  const count = env("BENCH_FC_NODES", 5_000);
  const results = newResults(`fleet controller, ${count} nodes`);
  await withBench({ name: "fleet-controller", nodes: ["node-a"], auditLog: true }, results, (bench) =>
    fleetController(bench, count),
  );
  console.log(`wrote ${writeResults(results, "fleet-controller")}`);
}
