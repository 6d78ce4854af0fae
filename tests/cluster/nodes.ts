// Registers the simulated nodes kwok plays and waits until pods can land on them.
import type { ApiConnection } from "./api.ts";
import { apiRequest } from "./api.ts";
import type { Child } from "./child.ts";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from "./components.ts";
import { waitFor } from "./wait.ts";

export const DEFAULT_NODES: readonly string[] = ["node-a", "node-b", "node-c"];

interface NodeList {
  items: Array<{
    metadata: { name: string };
    spec?: { taints?: Array<{ key: string; effect: string }> };
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

/** Creates one Node per name; an existing node (a restarted test) is left as it is. */
export async function createNodes(conn: ApiConnection, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const res = await apiRequest(conn, "POST", "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", type: "kwok" },
          annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
        },
      });
      if (res.status !== 201 && res.status !== 409) {
        throw new Error(`Creating node ${name} failed with HTTP ${res.status}: ${JSON.stringify(res.body)}`);
      }
    }),
  );
}

/**
 * Waits until every node is Ready and has lost the NoSchedule taints a new node starts with, so the
 * scheduler does not put the first test's pods into backoff.
 */
export async function waitNodesSchedulable(
  conn: ApiConnection,
  names: readonly string[],
  children: readonly Child[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `nodes ${names.join(", ")} to be Ready and untainted`,
    async () => {
      const res = await apiRequest(conn, "GET", "/api/v1/nodes");
      if (res.status !== 200) throw new Error(`listing nodes: HTTP ${res.status}`);
      const byName = new Map((res.body as NodeList).items.map((n) => [n.metadata.name, n]));
      const ready = names.every((name) => {
        const node = byName.get(name);
        const isReady = node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        const blocked = node?.spec?.taints?.some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
        return isReady === true && blocked !== true;
      });
      return ready ? true : undefined;
    },
    { timeoutMs, children, intervalMs: 200 },
  );
}
