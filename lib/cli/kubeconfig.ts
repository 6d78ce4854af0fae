// Finds and loads the kubeconfig the way kubectl does, with one clear error for each way it can go wrong.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface KubeConfigSource {
  kubeconfig?: string;
  context?: string;
  env: Record<string, string | undefined>;
  home: string;
}

export interface LoadedKubeConfig {
  config: KubeConfig;
  /** Where it came from, for logs and errors: a file path or "in-cluster". */
  source: string;
}

function loadFile(path: string): KubeConfig {
  if (!existsSync(path)) throw new Error(`kubeconfig ${path}: file not found`);
  const config = new KubeConfig();
  try {
    config.loadFromFile(path);
  } catch (err) {
    throw new Error(`kubeconfig ${path} is not valid: ${(err as Error).message.split("\n")[0]}`);
  }
  return config;
}

/**
 * Order: --kubeconfig, $KUBECONFIG (a list, merged like kubectl), ~/.kube/config, then the in-cluster
 * service account. `PLEXD_IN_CLUSTER_ROOT` prefixes the service-account paths (used by tests).
 */
export function loadKubeConfig(source: KubeConfigSource): LoadedKubeConfig {
  const { env } = source;
  let config: KubeConfig;
  let from = "";
  if (source.kubeconfig) {
    config = loadFile(source.kubeconfig);
    from = source.kubeconfig;
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(":").filter(Boolean);
    const present = files.filter((file) => existsSync(file));
    if (present.length === 0) throw new Error(`kubeconfig ${files.join(":")} (from $KUBECONFIG): file not found`);
    const [first, ...rest] = present.map(loadFile) as [KubeConfig, ...KubeConfig[]];
    for (const next of rest) first.mergeConfig(next, true);
    config = first;
    from = present.join(":");
  } else if (existsSync(join(source.home, ".kube", "config"))) {
    from = join(source.home, ".kube", "config");
    config = loadFile(from);
  } else {
    const root = env.PLEXD_IN_CLUSTER_ROOT ?? "";
    if (!env.KUBERNETES_SERVICE_HOST || !existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) {
      throw new Error("No kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a cluster");
    }
    config = new KubeConfig();
    config.loadFromCluster(root);
    return { config, source: "in-cluster" };
  }

  const contexts = config.getContexts().map((c) => c.name);
  if (source.context) {
    if (!contexts.includes(source.context)) {
      throw new Error(`context "${source.context}" not found in kubeconfig ${from} (contexts: ${contexts.join(", ") || "none"})`);
    }
    config.setCurrentContext(source.context);
  }
  const current = config.getCurrentContext();
  if (!current || !config.getContextObject(current)) {
    throw new Error(`kubeconfig ${from} has no current context: pass --context (contexts: ${contexts.join(", ") || "none"})`);
  }
  if (!config.getCurrentCluster())
    throw new Error(`kubeconfig ${from}: context "${current}" names a cluster that is not defined`);
  return { config, source: from };
}
