// One local control plane per test process, with plexd-hook installed by `kubectl apply -k deploy/kubernetes`.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type Cluster, type StartOptions, startCluster } from "../../cluster/cluster.ts";
import { REPO } from "./operator.ts";

export interface Setup {
  cluster: Cluster;
  /** A kubeconfig with a TokenRequest token of the plexd ServiceAccount: only the project's RBAC applies. */
  operatorKubeconfig: string;
  /** kubectl as admin; throws with kubectl's stderr when it fails. */
  k(args: string[], stdin?: string): Promise<string>;
  /** kubectl as admin, without throwing. */
  tryK(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  json<T = any>(args: string[]): Promise<T>;
  /** Creates a namespace holding the plexd ServiceAccount that hook Jobs run as. */
  namespace(name: string): Promise<string>;
}

export async function setUp(cluster: Cluster): Promise<Setup> {
  const tryK = (args: string[], stdin?: string) => cluster.kubectl(args, { stdin });
  const k = async (args: string[], stdin?: string): Promise<string> => {
    const result = await tryK(args, stdin);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await k([...args, "-o", "json"]));
  await k(["apply", "--server-side", "-k", join(REPO, "deploy", "kubernetes")]);
  await k(["wait", "--for=condition=Established", "crd/plexdhooks.plexd.plexsphere.com", "--timeout=60s"]);
  const token = (await k(["create", "token", "plexd", "-n", "plexd-system", "--duration=4h"])).trim();
  const operatorKubeconfig = join(cluster.dir, "plexd-operator.kubeconfig");
  writeFileSync(
    operatorKubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${cluster.server}
    certificate-authority: ${cluster.caFile}
users:
- name: plexd
  user:
    token: ${token}
contexts:
- name: plexd
  context: { cluster: local, user: plexd }
current-context: plexd
`,
  );
  return {
    cluster,
    operatorKubeconfig,
    k,
    tryK,
    json,
    async namespace(name) {
      await k(["create", "namespace", name]);
      await k(["create", "serviceaccount", "plexd", "-n", name]);
      return name;
    },
  };
}

let shared: Promise<Setup> | undefined;

/** The control plane shared by the test files of this process; torn down when the process exits. */
export function sharedCluster(options: StartOptions = {}): Promise<Setup> {
  shared ??= startCluster({ name: "e2e", auditLog: true, ...options }).then(setUp);
  return shared;
}

/** A PlexdHook manifest as YAML text. */
export function hookYaml(name: string, namespace: string, spec: object): string {
  return JSON.stringify({ apiVersion: "plexd.plexsphere.com/v1alpha1", kind: "PlexdHook", metadata: { name, namespace }, spec });
}

/** Reads a YAML document from the repo. */
export function readYaml<T = any>(path: string): Promise<T> {
  return Bun.file(join(REPO, path))
    .text()
    .then((text) => parse(text) as T);
}
