// The admin REST client the benchmarks use, the API paths they post to, and lists that wait out a fresh CRD.

import { loadKubeConfig } from "../../lib/cli/kubeconfig.ts";
import { GROUP, PLURAL, VERSION } from "../../lib/constants.ts";
import { Rest } from "../../lib/kube/rest.ts";

export const hooksPath = (ns: string): string => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`;
export const jobsPath = (ns: string): string => `/apis/batch/v1/namespaces/${ns}/jobs`;

export function restFor(kubeconfig: string): Rest {
  return new Rest(loadKubeConfig({ kubeconfig, env: {}, home: "/nonexistent" }).config);
}

/** A list for its resourceVersion; retried while a fresh CRD's storage answers 429. */
export async function listVersion(rest: Rest, path: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await rest.request<{ metadata: { resourceVersion: string } }>("GET", path, { query: { limit: 1 } })).metadata
        .resourceVersion;
    } catch (err) {
      if (attempt >= 100 || (err as { statusCode?: number }).statusCode !== 429) throw err;
      await Bun.sleep(100);
    }
  }
}
