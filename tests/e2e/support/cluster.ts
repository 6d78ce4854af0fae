// One local control plane per test process, with plexd-hook installed by `kubectl apply -k deploy/kubernetes`.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type Cluster, type StartOptions, startCluster } from "../../cluster/cluster.ts";
import { waitFor } from "../../cluster/wait.ts";
import { REPO } from "./operator.ts";

/** The namespace `kubectl apply -k deploy/kubernetes` installs the operator's accounts in. */
export const INSTALL_NAMESPACE = "plexd-system";
/** The node agents' account and the fleet controller's, each bound to the ClusterRole of its name. */
const OPERATOR_ACCOUNTS = ["plexd", "plexd-cluster"] as const;

export interface Setup {
  cluster: Cluster;
  /**
   * A kubeconfig with a TokenRequest token of the plexd-cluster ServiceAccount (cluster mode and laptop
   * runs: the project's RBAC and the Job-shape policy apply, Jobs may go to any node).
   */
  operatorKubeconfig: string;
  /**
   * A kubeconfig with a plexd token bound to the DaemonSet's pod on `node`, as that pod has it: the
   * plexd-hook-jobs policy lets it create Jobs for `node` only.
   */
  nodeKubeconfig(node: string): Promise<string>;
  /** A kubeconfig file (named `file` in the cluster's directory) that authenticates with `token`. */
  tokenKubeconfig(file: string, token: string): string;
  /** kubectl as admin; throws with kubectl's stderr when it fails. */
  k(args: string[], stdin?: string): Promise<string>;
  /** kubectl as admin, without throwing. */
  tryK(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  json<T = any>(args: string[]): Promise<T>;
  /**
   * Creates a namespace holding the plexd ServiceAccount that hook Jobs run as, and the RoleBindings
   * there giving plexd ClusterRole plexd and plexd-cluster ClusterRole plexd-cluster (what an
   * installation serving another namespace does); returns once the authorizer knows them.
   */
  namespace(name: string): Promise<string>;
  /** Only the RoleBindings of namespace(), for a namespace made otherwise. */
  grantOperator(namespace: string): Promise<void>;
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
  const writeKubeconfig = (file: string, token: string): string => {
    const path = join(cluster.dir, file);
    writeFileSync(
      path,
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
    return path;
  };
  const token = (account: string, ...flags: string[]) =>
    k(["create", "token", account, "-n", INSTALL_NAMESPACE, "--duration=4h", ...flags]).then((t) => t.trim());
  const operatorKubeconfig = writeKubeconfig("plexd-cluster.kubeconfig", await token("plexd-cluster"));
  async function grantOperator(name: string): Promise<void> {
    for (const account of OPERATOR_ACCOUNTS) {
      const subject = `--serviceaccount=${INSTALL_NAMESPACE}:${account}`;
      await k(["create", "rolebinding", account, `--clusterrole=${account}`, "-n", name, subject]);
    }
    // The fleet controller runs the namespace's PlexdRollouts (deploy/kubernetes/rollout-rbac.yaml).
    const fleet = `--serviceaccount=${INSTALL_NAMESPACE}:plexd-cluster`;
    await k(["create", "rolebinding", "plexd-hook-rollouts", "--clusterrole=plexd-hook-rollouts", "-n", name, fleet]);
    const may = async (account: string) =>
      (
        await tryK([
          "auth",
          "can-i",
          "create",
          "jobs.batch",
          "-n",
          name,
          `--as=system:serviceaccount:${INSTALL_NAMESPACE}:${account}`,
        ])
      ).stdout.trim() === "yes";
    await waitFor(
      `the operator's RoleBindings in ${name} to take effect`,
      async () => (await Promise.all(OPERATOR_ACCOUNTS.map(may))).every(Boolean),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }
  const nodeKubeconfigs = new Map<string, Promise<string>>();
  return {
    cluster,
    operatorKubeconfig,
    k,
    tryK,
    json,
    tokenKubeconfig: writeKubeconfig,
    nodeKubeconfig(node) {
      let config = nodeKubeconfigs.get(node);
      if (!config) {
        config = (async () => {
          const pod = await waitFor(
            `the DaemonSet's pod on ${node}`,
            async () =>
              (
                await json([
                  "get",
                  "pods",
                  "-n",
                  INSTALL_NAMESPACE,
                  "-l",
                  "app.kubernetes.io/name=plexd-hook,app.kubernetes.io/component=controller",
                  "--field-selector",
                  `spec.nodeName=${node}`,
                ])
              ).items[0],
            { timeoutMs: 60_000, intervalMs: 200 },
          );
          const bound = await token(
            "plexd",
            "--bound-object-kind=Pod",
            `--bound-object-name=${pod.metadata.name}`,
            `--bound-object-uid=${pod.metadata.uid}`,
          );
          return writeKubeconfig(`plexd-${node}.kubeconfig`, bound);
        })();
        nodeKubeconfigs.set(node, config);
      }
      return config;
    },
    async namespace(name) {
      await k(["create", "namespace", name]);
      await k(["create", "serviceaccount", "plexd", "-n", name]);
      await grantOperator(name);
      return name;
    },
    grantOperator,
  };
}

let shared: Promise<Setup> | undefined;

/** The control plane shared by the test files of this process; torn down when the process exits. */
export function sharedCluster(options: StartOptions = {}): Promise<Setup> {
  shared ??= startCluster({ name: "e2e", auditLog: true, ...options }).then(setUp);
  return shared;
}

/** Writes a kubeconfig for `cluster` that authenticates with `token` to `path`; returns `path`. */
export function writeTokenKubeconfig(cluster: Cluster, path: string, token: string): string {
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{ name: local, cluster: { server: "${cluster.server}", certificate-authority: "${cluster.caFile}" } }]
users: [{ name: plexd, user: { token: "${token}" } }]
contexts: [{ name: plexd, context: { cluster: local, user: plexd } }]
current-context: plexd
`,
  );
  return path;
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
