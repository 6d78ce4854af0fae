import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { inClusterAccess, mergeKubeConfigs, parseKubeConfig } from "./kubeconfig.ts";

const FILE = "/home/me/.kube/config";

describe("parseKubeConfig()", () => {
  test("normalises clusters, users and contexts, and takes relative paths from the file's directory", () => {
    const config = parseKubeConfig(
      `
clusters:
- name: c
  cluster: { server: "https://k:6443/", certificate-authority: ca.crt, insecure-skip-tls-verify: true, tls-server-name: kube }
users:
- name: files
  user: { client-certificate: pki/me.crt, client-key: /abs/me.key, token-file: token }
- name: token
  user: { token: abc, token-file: ignored }
- name: kubectl
  user: { tokenFile: /var/token }
contexts:
- name: x
  context: { cluster: c, user: files, namespace: ns }
current-context: x
`,
      FILE,
    );
    expect(config.clusters).toEqual([
      expect.objectContaining({
        name: "c",
        server: "https://k:6443",
        caFile: "/home/me/.kube/ca.crt",
        skipTLSVerify: true,
        tlsServerName: "kube",
      }),
    ]);
    expect(config.users[0]).toMatchObject({
      name: "files",
      certFile: "/home/me/.kube/pki/me.crt",
      keyFile: "/abs/me.key",
      tokenFile: "/home/me/.kube/token",
    });
    // A token wins over a token file (client-go's order), and a token file is never read at load.
    expect(config.users[1]).toMatchObject({ name: "token", token: "abc" });
    expect(config.users[1]?.tokenFile).toBeUndefined();
    // kubectl's spelling of the field.
    expect(config.users[2]).toMatchObject({ name: "kubectl", tokenFile: "/var/token" });
    expect(config.contexts).toEqual([{ name: "x", cluster: "c", user: "files", namespace: "ns" }]);
    expect(config.currentContext).toBe("x");
  });

  test("keeps certificate data, exec and auth-provider users as they are", () => {
    const config = parseKubeConfig(
      JSON.stringify({
        users: [
          { name: "data", user: { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" } },
          { name: "exec", user: { exec: { command: "plugin", args: ["a"] } } },
          { name: "oidc", user: { "auth-provider": { name: "oidc", config: {} } } },
        ],
      }),
      FILE,
    );
    expect(config.users.map((u) => [u.certData, u.keyData, u.exec?.command, u.authProvider?.name])).toEqual([
      ["Y2VydA==", "a2V5", undefined, undefined],
      [undefined, undefined, "plugin", undefined],
      [undefined, undefined, undefined, "oidc"],
    ]);
  });

  test.each([
    ["a cluster without a server", "clusters: [{ name: c, cluster: {} }]", "clusters[0].cluster.server is missing"],
    ["a context without a cluster", "contexts: [{ name: x, context: { user: u } }]", "contexts[0].context.cluster is missing"],
    ["a user without a name", "users: [{ user: { token: t } }]", "users[0].name is missing"],
    ["a list instead of a map", "- a\n- b\n", "Not a kubeconfig (want a map, got a list)"],
    // A token given by mistake: the message must not carry it.
    ["a bare token", "eyJhbGciOiJSUzI1NiJ9.secret\n", /^Not a kubeconfig \(want a map, got string\)$/],
  ])("refuses %s", (_what, text, message) => {
    expect(() => parseKubeConfig(text, FILE)).toThrow(message);
  });

  test("reads an empty file as an empty kubeconfig", () => {
    expect(parseKubeConfig("", FILE)).toEqual({ clusters: [], users: [], contexts: [] });
  });
});

describe("mergeKubeConfigs()", () => {
  const file = (name: string, server: string, current?: string) =>
    parseKubeConfig(
      JSON.stringify({
        clusters: [{ name: "shared", cluster: { server } }],
        users: [{ name: "shared", user: { token: server } }],
        contexts: [{ name: name, context: { cluster: "shared", user: "shared" } }],
        ...(current && { "current-context": current }),
      }),
      FILE,
    );

  test("the first file to define a name wins, and the first current-context set wins", () => {
    const merged = mergeKubeConfigs([file("a", "https://one"), file("b", "https://two", "b"), file("c", "https://three", "c")]);
    expect(merged.clusters.map((c) => c.server)).toEqual(["https://one"]);
    expect(merged.users.map((u) => u.token)).toEqual(["https://one"]);
    expect(merged.contexts.map((c) => c.name)).toEqual(["a", "b", "c"]);
    expect(merged.currentContext).toBe("b");
  });
});

describe("inClusterAccess()", () => {
  test.each([
    ["10.96.0.1", "443", "https://10.96.0.1:443"],
    ["fd00::1", "6443", "https://[fd00::1]:6443"],
  ])(
    "KUBERNETES_SERVICE_HOST %s and _PORT %s give the server %s, with the service account's token file",
    (host, port, server) => {
      const access = inClusterAccess(host, port, "/root");
      expect(access.cluster.server).toBe(server);
      expect(access.user.tokenFile).toBe("/root/var/run/secrets/kubernetes.io/serviceaccount/token");
      // No ca.crt under /root: the system's roots are used rather than a file that is not there.
      expect(access.cluster.caFile).toBeUndefined();
    },
  );
});

test("the operator's bundle leaves out client-node's KubeConfig and its generated API (some 20 MB at start)", async () => {
  const build = await Bun.build({ entrypoints: [join(import.meta.dir, "..", "..", "main.ts")], target: "bun" });
  expect(build.success).toBe(true);
  const code = await build.outputs[0]?.text();
  expect(code).toContain("No command was specified for exec authProvider"); // ExecAuth is in,
  expect(code).not.toContain("CoreV1Api"); // the generated API is not,
  expect(code).not.toContain("loadFromDefault"); // nor KubeConfig.
}, 60_000);
