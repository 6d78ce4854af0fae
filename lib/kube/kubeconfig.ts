// Kubeconfig data as kubectl reads it, parsed without client-node's KubeConfig (which loads the whole generated API).

import { existsSync } from "node:fs";
import { isIPv6 } from "node:net";
import { dirname, isAbsolute, join } from "node:path";
import {
  type Cluster,
  type Context,
  newClusters,
  newContexts,
  newUsers,
  type User,
} from "@kubernetes/client-node/dist/config_types.js";
import { parse } from "yaml";

/** @internal A kubeconfig user; `tokenFile` is read again on every refresh, as client-go does (client-node reads it once). */
export type KubeUser = User & { readonly tokenFile?: string };

/** One kubeconfig file, or several merged. */
export interface KubeConfigData {
  clusters: Cluster[];
  users: KubeUser[];
  contexts: Context[];
  currentContext?: string;
}

/** What a client needs to reach one cluster: the chosen context, its cluster and its user. */
export interface ClusterAccess {
  context: string;
  cluster: Cluster;
  user: KubeUser;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

interface RawUser {
  /** kubectl writes `tokenFile`; client-node's own kubeconfigs `token-file`. */
  user?: { token?: string; tokenFile?: string; "token-file"?: string };
}

/** Parses one kubeconfig file's text; relative file paths in it are taken from the file's directory, as kubectl does. */
export function parseKubeConfig(text: string, path: string): KubeConfigData {
  const raw: unknown = parse(text) ?? {};
  // Never the content itself: a token file passed by mistake must not end up in a log.
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new TypeError(`Not a kubeconfig (want a map, got ${Array.isArray(raw) ? "a list" : typeof raw})`);
  }
  const doc = raw as Record<string, unknown>;
  const dir = dirname(path);
  const absolute = (file: string | undefined | null): string | undefined =>
    file ? (isAbsolute(file) ? file : join(dir, file)) : undefined;
  const rawUsers = (Array.isArray(doc.users) ? doc.users : []) as RawUser[];
  // A token wins over a token file (client-go's order); the file is kept as a path, not read here.
  const tokenFiles = rawUsers.map((u) => (u?.user?.token ? undefined : (u?.user?.tokenFile ?? u?.user?.["token-file"])));
  const users = newUsers(
    rawUsers.map((u) => (u?.user?.["token-file"] ? { ...u, user: { ...u.user, "token-file": undefined } } : u)),
  ).map((user, i): KubeUser => {
    const tokenFile = absolute(tokenFiles[i]);
    return { ...user, certFile: absolute(user.certFile), keyFile: absolute(user.keyFile), ...(tokenFile && { tokenFile }) };
  });
  const clusters = newClusters(doc.clusters).map((cluster) => ({ ...cluster, caFile: absolute(cluster.caFile) }));
  const current = doc["current-context"];
  return {
    clusters,
    users,
    contexts: newContexts(doc.contexts),
    ...(typeof current === "string" && current && { currentContext: current }),
  };
}

/** Merges files the way kubectl merges $KUBECONFIG: the first file to define a name, or a current context, wins. */
export function mergeKubeConfigs(configs: KubeConfigData[]): KubeConfigData {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  const currentContext = configs.find((c) => c.currentContext)?.currentContext;
  return {
    clusters: firstByName(configs.map((c) => c.clusters)),
    users: firstByName(configs.map((c) => c.users)),
    contexts: firstByName(configs.map((c) => c.contexts)),
    ...(currentContext && { currentContext }),
  };
}

/** The in-cluster service account: the API server from KUBERNETES_SERVICE_*, its CA, and its token file. */
export function inClusterAccess(host: string, port: string, root = ""): ClusterAccess {
  const dir = `${root}${SERVICE_ACCOUNT_DIR}`;
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return {
    context: "in-cluster",
    cluster: {
      name: "in-cluster",
      server,
      skipTLSVerify: false,
      ...(existsSync(`${dir}/ca.crt`) && { caFile: `${dir}/ca.crt` }),
    },
    user: { name: "in-cluster", tokenFile: `${dir}/token` },
  };
}
