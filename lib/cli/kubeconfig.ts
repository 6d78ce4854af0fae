// Finds and loads the kubeconfig the way kubectl does, with one clear error for each way it can go wrong.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ClusterAccess,
  inClusterAccess,
  type KubeConfigData,
  mergeKubeConfigs,
  parseKubeConfig,
  SERVICE_ACCOUNT_DIR,
} from "../kube/kubeconfig.ts";

export interface KubeConfigSource {
  kubeconfig?: string;
  context?: string;
  env: Record<string, string | undefined>;
  home: string;
}

export interface LoadedKubeConfig {
  config: ClusterAccess;
  /** Where it came from, for logs and errors: a file path or "in-cluster". */
  source: string;
}

function loadFile(path: string): KubeConfigData {
  if (!existsSync(path)) throw new Error(`kubeconfig ${path}: file not found`);
  try {
    return parseKubeConfig(readFileSync(path, "utf8"), path);
  } catch (err) {
    throw new Error(`kubeconfig ${path} is not valid: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** The context to use (--context, else the current one) with its cluster and user, or an error naming what is missing. */
function select(config: KubeConfigData, from: string, wanted: string | undefined): ClusterAccess {
  const names = config.contexts.map((c) => c.name);
  const listed = `(contexts: ${names.join(", ") || "none"})`;
  if (wanted && !names.includes(wanted)) throw new Error(`context "${wanted}" not found in kubeconfig ${from} ${listed}`);
  const name = wanted ?? config.currentContext;
  const context = config.contexts.find((c) => c.name === name);
  if (!name || !context) throw new Error(`kubeconfig ${from} has no current context: pass --context ${listed}`);
  const cluster = config.clusters.find((c) => c.name === context.cluster);
  if (!cluster) throw new Error(`kubeconfig ${from}: context "${name}" names a cluster that is not defined`);
  const user = context.user ? config.users.find((u) => u.name === context.user) : { name: "" };
  if (!user) throw new Error(`kubeconfig ${from}: context "${name}" names a user that is not defined: "${context.user}"`);
  return { context: name, cluster, user };
}

/**
 * Order: --kubeconfig, $KUBECONFIG (a list, merged like kubectl), ~/.kube/config, then the in-cluster
 * service account. `PLEXD_IN_CLUSTER_ROOT` prefixes the service-account paths (used by tests).
 */
export function loadKubeConfig(source: KubeConfigSource): LoadedKubeConfig {
  const { env } = source;
  const home = join(source.home, ".kube", "config");
  if (source.kubeconfig) {
    return { config: select(loadFile(source.kubeconfig), source.kubeconfig, source.context), source: source.kubeconfig };
  }
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(":").filter(Boolean);
    const present = files.filter((file) => existsSync(file));
    if (present.length === 0) throw new Error(`kubeconfig ${files.join(":")} (from $KUBECONFIG): file not found`);
    const from = present.join(":");
    return { config: select(mergeKubeConfigs(present.map(loadFile)), from, source.context), source: from };
  }
  if (existsSync(home)) return { config: select(loadFile(home), home, source.context), source: home };
  const root = env.PLEXD_IN_CLUSTER_ROOT ?? "";
  if (!env.KUBERNETES_SERVICE_HOST || !existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) {
    throw new Error("No kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a cluster");
  }
  return {
    config: inClusterAccess(env.KUBERNETES_SERVICE_HOST, env.KUBERNETES_SERVICE_PORT ?? "443", root),
    source: "in-cluster",
  };
}
