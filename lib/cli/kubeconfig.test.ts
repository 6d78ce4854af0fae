import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKubeConfig } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "plexd-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a kubeconfig with one cluster `<name>` at `server`, one user, one context `<name>`. */
function kubeconfig(path: string, name: string, server: string, extra: Record<string, unknown> = {}): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(
    path,
    JSON.stringify({
      clusters: [{ name, cluster: { server } }],
      users: [{ name: "me", user: { token: name } }],
      contexts: [{ name, context: { cluster: name, user: "me" } }],
      "current-context": name,
      ...extra,
    }),
  );
  return path;
}

const a = kubeconfig(join(dir, "a"), "a", "https://a");
const b = kubeconfig(join(dir, "b"), "b", "https://b");
const home = join(dir, "home");
kubeconfig(join(home, ".kube", "config"), "home", "https://home");
const notYaml = join(dir, "bad");
writeFileSync(notYaml, "clusters: [ {name: \n");

describe("loadKubeConfig()", () => {
  test.each([
    ["--kubeconfig before $KUBECONFIG", { kubeconfig: b, env: { KUBECONFIG: a } }, "https://b", "b", b],
    ["$KUBECONFIG's first file's current context and user", { env: { KUBECONFIG: `${a}:${b}` } }, "https://a", "a", `${a}:${b}`],
    [
      "a later $KUBECONFIG file's context by --context",
      { env: { KUBECONFIG: `${a}:${b}` }, context: "b" },
      "https://b",
      "a",
      `${a}:${b}`,
    ],
    ["$KUBECONFIG skips files that are not there", { env: { KUBECONFIG: `/nope:${b}` } }, "https://b", "b", b],
    ["~/.kube/config without either", { env: {}, home }, "https://home", "home", join(home, ".kube", "config")],
  ])("takes %s", (_what, source, server, token, from) => {
    const { config, source: loadedFrom } = loadKubeConfig({ home: "/nonexistent", ...source });
    expect(config.cluster.server).toBe(server);
    // The user "me" is defined in every file; the first file's wins, as kubectl merges.
    expect(config.user.token).toBe(token);
    expect(loadedFrom).toBe(from);
  });

  test("in a pod, the service account and KUBERNETES_SERVICE_* (paths under PLEXD_IN_CLUSTER_ROOT)", () => {
    const root = join(dir, "pod");
    const sa = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "token"), "t");
    writeFileSync(join(sa, "ca.crt"), "ca");
    const env = { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443", PLEXD_IN_CLUSTER_ROOT: root };
    const { config, source } = loadKubeConfig({ env, home: "/nonexistent" });
    expect(source).toBe("in-cluster");
    expect(config.cluster).toMatchObject({ server: "https://10.0.0.1:443", caFile: join(sa, "ca.crt") });
    expect(config.user.tokenFile).toBe(join(sa, "token"));
  });

  const broken = (name: string, extra: Record<string, unknown>) => kubeconfig(join(dir, name), "x", "https://x", extra);
  test.each([
    ["an unknown --context", { kubeconfig: a, context: "zzz" }, `context "zzz" not found in kubeconfig ${a} (contexts: a)`],
    [
      "no current context",
      { kubeconfig: broken("nocurrent", { "current-context": "" }) },
      `kubeconfig ${join(dir, "nocurrent")} has no current context: pass --context (contexts: x)`,
    ],
    [
      "a current context that is not defined",
      { kubeconfig: broken("gone", { "current-context": "gone" }) },
      `kubeconfig ${join(dir, "gone")} has no current context: pass --context (contexts: x)`,
    ],
    [
      "a context naming a missing cluster",
      { kubeconfig: broken("nocluster", { clusters: [] }) },
      `kubeconfig ${join(dir, "nocluster")}: context "x" names a cluster that is not defined`,
    ],
    [
      "a context naming a missing user",
      { kubeconfig: broken("nouser", { users: [] }) },
      `kubeconfig ${join(dir, "nouser")}: context "x" names a user that is not defined: "me"`,
    ],
    ["a file that is not YAML", { kubeconfig: notYaml }, `kubeconfig ${notYaml} is not valid: `],
  ])("refuses %s with one line naming the file", (_what, source, message) => {
    let error: Error | undefined;
    try {
      loadKubeConfig({ env: {}, home: "/nonexistent", ...source });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toStartWith(message);
    expect(error?.message.split("\n")).toHaveLength(1);
  });
});
