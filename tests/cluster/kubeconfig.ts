// Writes self-contained kubeconfig files (certificates inlined) for the cluster's clients.
import { stringify } from "yaml";
import type { ClientCert } from "./pki.ts";

const NAME = "plexd-test";

async function base64Of(path: string): Promise<string> {
  return Buffer.from(await Bun.file(path).arrayBuffer()).toString("base64");
}

/**
 * Writes a kubeconfig for `client` at `path`. Inlining the certificates keeps the file valid when
 * copied elsewhere, and serves clients that do not resolve relative file paths.
 */
export async function writeKubeconfig(
  path: string,
  server: string,
  caFile: string,
  client: ClientCert,
  user: string,
): Promise<string> {
  const [ca, cert, key] = await Promise.all([caFile, client.cert, client.key].map(base64Of));
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: NAME, cluster: { server, "certificate-authority-data": ca } }],
    users: [{ name: user, user: { "client-certificate-data": cert, "client-key-data": key } }],
    contexts: [{ name: NAME, context: { cluster: NAME, user, namespace: "default" } }],
    "current-context": NAME,
    preferences: {},
  };
  await Bun.write(path, stringify(config));
  return path;
}
