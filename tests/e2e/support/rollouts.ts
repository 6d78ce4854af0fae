// The rollout e2e's fleet: 33 kwok nodes in 3 zones, a cluster-mode executor and a fleet controller, and a sampler
// that reads the running hooks and unavailable nodes from the API server while a rollout runs.

import { loadKubeConfig } from "../../../lib/cli/kubeconfig.ts";
import { Rest } from "../../../lib/kube/rest.ts";
import { waitFor } from "../../cluster/wait.ts";
import type { Setup } from "./cluster.ts";
import { type Operator, startOperator } from "./operator.ts";

export const ZONES = ["z1", "z2", "z3"] as const;
export const PER_ZONE = 11;
/** r-z1-01 … r-z3-11. */
export const NODES: string[] = ZONES.flatMap((zone) =>
  Array.from({ length: PER_ZONE }, (_, i) => `r-${zone}-${String(i + 1).padStart(2, "0")}`),
);
export const zoneOf = (node: string): string => node.split("-")[1] as string;
export const ZONE_LABEL = "topology.kubernetes.io/zone";

const ENDED = new Set(["Succeeded", "Failed"]);

/** Labels every node with its zone and `pool=all`. */
export async function labelNodes(env: Setup): Promise<void> {
  await Promise.all(
    ZONES.map((zone) =>
      env.k(["label", "node", ...NODES.filter((n) => zoneOf(n) === zone), `${ZONE_LABEL}=${zone}`, "pool=all", "--overwrite"]),
    ),
  );
}

export interface Executors {
  executor: Operator;
  fleet: Operator;
}

/** The fleet controller (rollouts) for `namespace`, with its rollouts' clock shifted by `offsetSeconds`. */
export async function startFleet(env: Setup, namespace: string, offsetSeconds = 0): Promise<Operator> {
  const fleet = startOperator(
    ["fleet", "--kubeconfig", env.operatorKubeconfig, "--namespace", namespace, "--agent-selector="],
    offsetSeconds ? { PLEXD_TEST_CLOCK_OFFSET_SECONDS: String(offsetSeconds) } : {},
  );
  await fleet.waitReady();
  await waitFor("the fleet controller to lead", () => fleet.logs.some((l) => l.msg === "became leader"), {
    timeoutMs: 90_000,
    intervalMs: 100,
  });
  return fleet;
}

/** A cluster-mode executor (every hook's Job, on any node) and the fleet controller, both as plexd-cluster. */
export async function startExecutors(env: Setup, namespace: string): Promise<Executors> {
  const executor = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", namespace, "--all-nodes"]);
  const [fleet] = await Promise.all([startFleet(env, namespace), executor.waitReady()]);
  return { executor, fleet };
}

export function rolloutJson(name: string, namespace: string, spec: object): string {
  return JSON.stringify({
    apiVersion: "plexd.plexsphere.com/v1alpha1",
    kind: "PlexdRollout",
    metadata: { name, namespace },
    spec,
  });
}

export async function waitRollout(env: Setup, namespace: string, name: string, phases: string[], timeoutMs = 120_000) {
  return waitFor(
    `rollout ${name} to be ${phases.join(" or ")}`,
    async () => {
      const rollout = await env.json(["get", "pr", name, "-n", namespace]);
      return phases.includes(rollout.status?.phase) ? rollout : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

export interface Sample {
  at: number;
  /** Hooks of the rollout not Succeeded or Failed, by node. */
  running: string[];
  /** Nodes of `nodes` that are NotReady, cordoned or running a hook of the rollout. */
  unavailable: string[];
  /** Nodes of `nodes` that are cordoned (spec.unschedulable). */
  cordoned: string[];
  /** Every hook of the rollout, by node, with its phase. */
  hooks: Map<string, string>;
}

/** Reads the rollout's hooks and the Nodes every `everyMs` until stop(); returns every sample. */
export function sampler(env: Setup, namespace: string, rollout: string, nodes: readonly string[], everyMs = 100) {
  const rest = new Rest(loadKubeConfig({ kubeconfig: env.cluster.kubeconfig, env: {}, home: "/nonexistent" }).config);
  const samples: Sample[] = [];
  let stopped = false;
  const hooksPath = `/apis/plexd.plexsphere.com/v1alpha1/namespaces/${namespace}/plexdhooks`;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const [hookList, nodeList] = await Promise.all([
        rest.request<{ items: any[] }>("GET", hooksPath, { query: { labelSelector: `plexd.plexsphere.com/rollout=${rollout}` } }),
        rest.request<{ items: any[] }>("GET", "/api/v1/nodes"),
      ]);
      const hooks = new Map<string, string>(hookList.items.map((h) => [h.spec.nodeName, h.status?.phase ?? "New"]));
      const running = [...hooks].filter(([, phase]) => !ENDED.has(phase)).map(([node]) => node);
      const down = new Set(
        nodeList.items
          .filter((n) => n.spec?.unschedulable || n.status?.conditions?.find((c: any) => c.type === "Ready")?.status !== "True")
          .map((n) => n.metadata.name),
      );
      const unschedulable = new Set(nodeList.items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name));
      const unavailable = nodes.filter((n) => down.has(n) || running.includes(n));
      const cordoned = nodes.filter((n) => unschedulable.has(n));
      samples.push({ at, running, unavailable, cordoned, hooks });
      // The sampler's cadence.
      await Bun.sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop(): Promise<Sample[]> {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** When each node's hook was first seen, in the samples. */
export function firstSeen(samples: readonly Sample[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const sample of samples) for (const node of sample.hooks.keys()) if (!seen.has(node)) seen.set(node, sample.at);
  return seen;
}

/** When each node's hook was first seen ended. */
export function endSeen(samples: readonly Sample[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const sample of samples) {
    for (const [node, phase] of sample.hooks) if (ENDED.has(phase) && !seen.has(node)) seen.set(node, sample.at);
  }
  return seen;
}

export const most = (samples: readonly Sample[], of: (s: Sample) => number): number => Math.max(0, ...samples.map(of));
