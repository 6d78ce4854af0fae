// What the drain e2e tests need: workloads placed on one kwok node, PodDisruptionBudgets, and reads of Nodes and pods.

import { waitFor } from "../../cluster/wait.ts";
import type { Setup } from "./cluster.ts";

export const APPS = "e2e-drain-apps";
const ANNOTATION = "plexd.plexsphere.com/cordoned-by";

export interface NodeState {
  unschedulable: boolean;
  cordonedBy: string | undefined;
}

export async function nodeState(env: Setup, node: string): Promise<NodeState> {
  const object = await env.json(["get", "node", node]);
  return { unschedulable: object.spec.unschedulable === true, cordonedBy: object.metadata.annotations?.[ANNOTATION] };
}

/** Lets the fleet controller's account (plexd-cluster) hold the drain's finalizer on hooks in `namespace`. */
export async function grantDrainFinalizer(env: Setup, namespace: string): Promise<void> {
  const as = "--serviceaccount=plexd-system:plexd-cluster";
  await env.k([
    "create",
    "rolebinding",
    "plexd-hook-drain-finalizer",
    "--clusterrole=plexd-hook-drain-finalizer",
    "-n",
    namespace,
    as,
  ]);
}

/** The running pods of `app` in APPS, by node. */
export async function podsOf(env: Setup, app: string): Promise<Array<{ name: string; node: string; phase: string }>> {
  const list = await env.json(["get", "pods", "-n", APPS, "-l", `app=${app}`]);
  return (list.items as any[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({ name: p.metadata.name, node: p.spec.nodeName ?? "", phase: p.status.phase }));
}

/**
 * A Deployment of `replicas` pods of `app`, all on `node`: the other nodes are cordoned while it is
 * placed (the scheduler's spreading would otherwise decide), then uncordoned.
 */
export async function deployOn(env: Setup, node: string, app: string, replicas: number): Promise<string[]> {
  const others = env.cluster.nodes.filter((n) => n !== node);
  for (const other of others) await env.k(["cordon", other]);
  try {
    await env.k(["apply", "-f", "-"], JSON.stringify(deployment(app, replicas)));
    const pods = await waitFor(
      `${replicas} pods of ${app} running on ${node}`,
      async () => {
        const running = (await podsOf(env, app)).filter((p) => p.node === node && p.phase === "Running");
        return running.length === replicas && running.map((p) => p.name);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return pods;
  } finally {
    for (const other of others) await env.k(["uncordon", other]);
  }
}

function deployment(app: string, replicas: number): object {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, namespace: APPS },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: {
          // kwok's nodes only: the real node (if any) is not for these.
          nodeSelector: { type: "kwok" },
          containers: [{ name: "app", image: "plexd.test/app" }],
        },
      },
    },
  };
}

/** A PodDisruptionBudget over `app`, once the disruption controller has worked out what it allows. */
export async function budget(env: Setup, app: string, rule: { minAvailable?: number; maxUnavailable?: number }): Promise<void> {
  const pdb = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: `${app}-pdb`, namespace: APPS } };
  await env.k(["apply", "-f", "-"], JSON.stringify({ ...pdb, spec: { selector: { matchLabels: { app } }, ...rule } }));
  await waitFor(
    `PodDisruptionBudget ${app}-pdb to be observed`,
    async () => {
      const object = await env.json(["get", "pdb", `${app}-pdb`, "-n", APPS]);
      return object.status?.observedGeneration === object.metadata.generation && object.status.expectedPods > 0;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}
