import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "@kubernetes/client-node/dist/config_types.js";
import { CredentialSource, type Credentials } from "./credentials.ts";
import type { KubeUser } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "plexd-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const b64 = (text: string) => Buffer.from(text).toString("base64");
const CLUSTER: Cluster = { name: "c", server: "https://k:6443", skipTLSVerify: false };

function credentials(user: Omit<KubeUser, "name">, cluster: Partial<Cluster> = {}): Promise<Credentials> {
  return new CredentialSource({ context: "x", cluster: { ...CLUSTER, ...cluster }, user: { name: "u", ...user } }).get();
}

/** An exec credential plugin: a shell script that prints an ExecCredential with `status`. */
function plugin(name: string, status: Record<string, string>): string {
  const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status });
  const path = file(name, `#!/bin/sh\necho "$1 $PLUGIN_ENV" >> '${dir}/${name}.calls'\ncat <<'EOF'\n${credential}\nEOF\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("CredentialSource.get()", () => {
  const cases: Array<[string, Omit<KubeUser, "name">, Partial<Cluster>, Credentials]> = [
    ["a token", { token: "abc" }, {}, { tls: {}, headers: { authorization: "Bearer abc" } }],
    [
      "a token file, trimmed",
      { tokenFile: file("token", "from-file\n") },
      {},
      { tls: {}, headers: { authorization: "Bearer from-file" } },
    ],
    [
      "client certificate and key as data, and the CA as data",
      { certData: b64("CERT"), keyData: b64("KEY") },
      { caData: b64("CA") },
      { tls: { ca: "CA", cert: "CERT", key: "KEY" }, headers: {} },
    ],
    [
      "client certificate and key as files, and the CA as a file",
      { certFile: file("me.crt", "CERT FILE"), keyFile: file("me.key", "KEY FILE") },
      { caFile: file("ca.crt", "CA FILE") },
      { tls: { ca: "CA FILE", cert: "CERT FILE", key: "KEY FILE" }, headers: {} },
    ],
    [
      "data and a file both given: the data wins, as in kubectl",
      { certData: b64("CERT"), certFile: file("other.crt", "OTHER"), keyData: b64("KEY") },
      { caData: b64("CA"), caFile: file("other-ca.crt", "OTHER CA") },
      { tls: { ca: "CA", cert: "CERT", key: "KEY" }, headers: {} },
    ],
    [
      "insecure-skip-tls-verify and tls-server-name",
      {},
      { skipTLSVerify: true, tlsServerName: "kube.internal" },
      { tls: { rejectUnauthorized: false, serverName: "kube.internal" }, headers: {} },
    ],
    [
      "basic auth and impersonation",
      { username: "me", password: "pw", impersonateUser: "them" },
      {},
      { tls: {}, headers: { authorization: `Basic ${b64("me:pw")}`, "impersonate-user": "them" } },
    ],
    [
      "an exec plugin's token",
      {
        exec: { command: plugin("token.sh", { token: "exec-token" }), args: ["arg"], env: [{ name: "PLUGIN_ENV", value: "v" }] },
      },
      {},
      { tls: {}, headers: { authorization: "Bearer exec-token" } },
    ],
    [
      "an exec plugin's client certificate",
      { exec: { command: plugin("cert.sh", { clientCertificateData: "EXEC CERT", clientKeyData: "EXEC KEY" }) } },
      {},
      { tls: { cert: "EXEC CERT", key: "EXEC KEY" }, headers: {} },
    ],
  ];
  test.each(cases)("%s", async (_what, user, cluster, expected) => {
    expect(await credentials(user, cluster)).toEqual(expected);
  });

  test("an exec plugin gets its args and env", async () => {
    expect(await Bun.file(join(dir, "token.sh.calls")).text()).toBe("arg v\n");
  });

  test("an exec credential is reused until it expires, and fetched again at once after a 401 (fresh)", async () => {
    const expiry = new Date(Date.now() + 3_600_000).toISOString();
    const command = plugin("cached.sh", { token: "cached-token", expirationTimestamp: expiry });
    const source = new CredentialSource({ context: "x", cluster: CLUSTER, user: { name: "u", exec: { command } } });
    const calls = async () => (await Bun.file(join(dir, "cached.sh.calls")).text()).split("\n").filter(Boolean).length;
    await source.get();
    await source.get();
    expect(await calls()).toBe(1);
    expect((await source.get(true)).headers.authorization).toBe("Bearer cached-token");
    expect(await calls()).toBe(2);
  });

  test("a token file is read again on every call, so a rotated token is used at once", async () => {
    const path = file("rotated", "old");
    const source = new CredentialSource({ context: "x", cluster: CLUSTER, user: { name: "u", tokenFile: path } });
    expect((await source.get()).headers.authorization).toBe("Bearer old");
    writeFileSync(path, "new");
    expect((await source.get()).headers.authorization).toBe("Bearer new");
  });

  test.each([
    ["a missing token file", { tokenFile: join(dir, "nope") }, "ENOENT"],
    ["a missing client certificate file", { certFile: join(dir, "nope.crt") }, "ENOENT"],
    ["an exec plugin that fails", { exec: { command: "false" } }, ""],
    [
      "an auth-provider client-node does not know",
      { authProvider: { name: "keystone", config: {} } },
      'Unknown auth-provider in the kubeconfig\'s user "u": keystone',
    ],
  ])("%s is an error (Rest reports it as credentials unavailable)", async (_what, user, message) => {
    const err = await credentials(user).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message ?? "")).toContain(message);
  });

  test("a legacy auth-provider (azure, with a cached unexpired token) is handed to client-node's authenticator", async () => {
    const expiry = String(Math.floor(Date.now() / 1000) + 3600);
    const user = { authProvider: { name: "azure", config: { "access-token": "az-token", "expires-on": expiry } } };
    expect((await credentials(user)).headers).toEqual({ authorization: "Bearer az-token" });
  });
});
