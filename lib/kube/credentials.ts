// The TLS settings and auth headers of a ClusterAccess: files read fresh each time, exec plugins through client-node's ExecAuth.

import type { Authenticator } from "@kubernetes/client-node/dist/auth.js";
import { ExecAuth } from "@kubernetes/client-node/dist/exec_auth.js";
import type { ClusterAccess } from "./kubeconfig.ts";

/** Bun's fetch `tls` option. */
export interface Tls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  serverName?: string;
}

export interface Credentials {
  tls: Tls;
  headers: Record<string, string>;
}

/** As kubectl: the `-data` field wins over the file. */
async function fileOrData(file: string | undefined, data: string | undefined | null): Promise<string | undefined> {
  if (data) return Buffer.from(data, "base64").toString("utf8");
  return file ? Bun.file(file).text() : undefined;
}

/** Hands out a cluster's credentials; `get()` reads files and runs plugins again (plugins cache until expiry). */
export class CredentialSource {
  private readonly access: ClusterAccess;
  private exec = new ExecAuth();
  private legacy: Promise<Authenticator | undefined> | undefined;

  constructor(access: ClusterAccess) {
    this.access = access;
  }

  /** `fresh`: after a 401, so an exec plugin is run again even if its credential has not expired by our clock. */
  async get(fresh = false): Promise<Credentials> {
    const { cluster, user } = this.access;
    if (fresh) this.exec = new ExecAuth();
    const [ca, cert, key] = await Promise.all([
      fileOrData(cluster.caFile, cluster.caData),
      fileOrData(user.certFile, user.certData),
      fileOrData(user.keyFile, user.keyData),
    ]);
    const tls: Tls = {
      ...(ca && { ca }),
      ...(cert && { cert }),
      ...(key && { key }),
      ...(cluster.skipTLSVerify && { rejectUnauthorized: false }),
      ...(cluster.tlsServerName && { serverName: cluster.tlsServerName }),
    };
    const headers: Record<string, string> = {};
    if (user.impersonateUser) headers["impersonate-user"] = user.impersonateUser;
    if (user.username)
      headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64")}`;
    if (this.exec.isAuthProvider(user)) {
      const options: { cert?: string; key?: string; headers: Record<string, string> } = { headers: {} };
      await this.exec.applyAuthentication(user, options);
      if (options.cert) tls.cert = options.cert;
      if (options.key) tls.key = options.key;
      if (options.headers.Authorization) headers.authorization = options.headers.Authorization;
    } else if (user.authProvider) {
      const authorization = await this.legacyAuthorization();
      if (authorization) headers.authorization = authorization;
    }
    if (user.token) headers.authorization = `Bearer ${user.token}`;
    else if (user.tokenFile) {
      // Read on every refresh: a rotated service-account token must replace a revoked one at once.
      const token = (await Bun.file(user.tokenFile).text()).trim();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    return { tls, headers };
  }

  /**
   * The legacy `auth-provider` plugins (oidc, azure, gcp) are client-node's, imported only when a user has one:
   * few do, and openid-client is not small. (client-node's KubeConfig would also load the whole generated API.)
   */
  private async legacyAuthorization(): Promise<string | undefined> {
    const { user } = this.access;
    this.legacy ??= Promise.all([
      import("@kubernetes/client-node/dist/oidc_auth.js").then((m) => new m.OpenIDConnectAuth()),
      import("@kubernetes/client-node/dist/azure_auth.js").then((m) => new m.AzureAuth()),
      import("@kubernetes/client-node/dist/gcp_auth.js").then((m) => new m.GoogleCloudPlatformAuth()),
    ]).then((all) => all.find((authenticator) => authenticator.isAuthProvider(user)));
    const authenticator = await this.legacy;
    if (!authenticator)
      throw new TypeError(`Unknown auth-provider in the kubeconfig's user "${user.name}": ${user.authProvider?.name}`);
    const options: { headers: Record<string, string> } = { headers: {} };
    await authenticator.applyAuthentication(user, options);
    return options.headers.Authorization;
  }
}
