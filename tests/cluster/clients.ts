// The identities the components and tests use: a client certificate plus a kubeconfig for each.
import { join } from "node:path";
import { writeKubeconfig } from "./kubeconfig.ts";
import type { ClientCert, Pki } from "./pki.ts";
import { issueClientCert } from "./pki.ts";

export interface Client {
  cert: ClientCert;
  kubeconfig: string;
}

/** Issues a certificate for `user` in `groups` and writes `<dir>/<file>.kubeconfig` for it. */
export async function createClient(
  pki: Pki,
  dir: string,
  server: string,
  file: string,
  user: string,
  groups: readonly string[] = [],
): Promise<Client> {
  const cert = await issueClientCert(pki, join(dir, "pki"), file, user, groups);
  const kubeconfig = await writeKubeconfig(join(dir, `${file}.kubeconfig`), server, pki.caCert, cert, user);
  return { cert, kubeconfig };
}

/** The control plane's own clients, named the way kubeadm names them so bootstrap RBAC applies. */
export async function createComponentClients(pki: Pki, dir: string, server: string) {
  const [admin, controllerManager, scheduler, kwok] = await Promise.all([
    createClient(pki, dir, server, "admin", "kubernetes-admin", ["system:masters"]),
    createClient(pki, dir, server, "kube-controller-manager", "system:kube-controller-manager"),
    createClient(pki, dir, server, "kube-scheduler", "system:kube-scheduler"),
    // kwok writes the status of every node and pod it plays: a kubelet for all nodes at once, which
    // the Node authorizer (one identity per node) cannot express.
    createClient(pki, dir, server, "kwok", "kwok-controller", ["system:masters"]),
  ]);
  return { admin, controllerManager, scheduler, kwok };
}
