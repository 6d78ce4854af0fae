// The Helm chart: lint, the same objects as `plexd-hook manifests`, and install/upgrade/uninstall on a control plane of its own.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { renderManifests } from "../../lib/manifests.ts";
import { type Cluster, startCluster } from "../cluster/cluster.ts";
import { ensureHelm, type HelmResult, runHelm } from "../cluster/helm.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, writeTokenKubeconfig } from "./support/cluster.ts";
import { type Operator, REPO, startOperator } from "./support/operator.ts";

const CHART = join(REPO, "deploy", "helm", "plexd-hook");
const NS = "plexd-system";
let helmBin: string;
// Its own control plane: the shared one already holds what `kubectl apply -k` installed, which Helm must not adopt.
let cluster: Cluster;
let operator: Operator | undefined;

function helm(args: string[]): Promise<HelmResult> {
  const home = join(cluster?.dir ?? REPO, "helm-home");
  return runHelm(helmBin, args, { kubeconfig: cluster?.kubeconfig ?? "/nonexistent", home, cwd: REPO });
}

async function helmOk(args: string[]): Promise<string> {
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Objects keyed by kind/namespace/name; Helm's own keep annotation on the CRD is not part of the comparison. */
function objects(stream: string): Map<string, any> {
  const out = new Map<string, any>();
  for (const doc of parseAllDocuments(stream)) {
    const obj = doc.toJS();
    if (!obj?.kind) continue;
    delete obj.metadata?.annotations?.["helm.sh/resource-policy"];
    if (obj.metadata?.annotations && Object.keys(obj.metadata.annotations).length === 0) delete obj.metadata.annotations;
    out.set(`${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`, obj);
  }
  return out;
}

const k = async (args: string[]) => {
  const result = await cluster.kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout;
};
const kJson = async (args: string[]) => JSON.parse(await k([...args, "-o", "json"]));

beforeAll(async () => {
  helmBin = await ensureHelm();
}, 900_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
});

describe("the chart", () => {
  test("passes helm lint --strict", async () => {
    const result = await helm(["lint", "--strict", CHART]);
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    // Helm says it follows the links in files/ (level=INFO); anything louder is a finding.
    expect(result.stderr.split("\n").filter((line) => line && !line.includes("found symbolic link in path"))).toEqual([]);
  });

  test("with default values renders the same objects as plexd-hook manifests", async () => {
    const chart = objects(await helmOk(["template", "plexd-hook", CHART]));
    const manifests = objects(renderManifests());
    expect([...chart.keys()].sort()).toEqual([...manifests.keys()].sort());
    for (const [key, object] of manifests) expect({ key, object: chart.get(key) }).toEqual({ key, object });
  });

  test("moves every object to another namespace the way plexd-hook manifests --namespace does", async () => {
    const chart = objects(await helmOk(["template", "plexd-hook", CHART, "--set", "namespace.name=ops"]));
    expect(chart).toEqual(objects(renderManifests({ namespace: "ops" })));
  });

  test("values.schema.json refuses a value of the wrong kind, naming it", async () => {
    const result = await helm(["template", "plexd-hook", CHART, "--set", "logLevel=loud"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("logLevel");
  });

  test("leaves out the CRD, the Namespace and the privileged-hook policy when told to", async () => {
    const keys = [
      ...objects(
        await helmOk([
          "template",
          "plexd-hook",
          CHART,
          "--set",
          "crds.install=false,namespace.create=false,admissionPolicies.privilegedHooks=false",
        ]),
      ).keys(),
    ];
    expect(
      keys.filter((key) => /^(CustomResourceDefinition|Namespace)\//.test(key) || /\/plexd-hook-privileged$/.test(key)),
    ).toEqual([]);
    expect(keys).toContain(`DaemonSet/${NS}/plexd-hook`);
    expect(keys).toContain(`Deployment/${NS}/plexd-hook-fleet`);
    expect(keys).toContain(`PodDisruptionBudget/${NS}/plexd-hook-fleet`);
  });
});

describe("helm install, upgrade and uninstall on the local control plane", () => {
  beforeAll(async () => {
    cluster = await startCluster({ name: "helm", nodes: ["node-a"] });
  }, 600_000);

  test("helm install, then a hook reaches Succeeded under the chart's ServiceAccount and RBAC", async () => {
    await helmOk(["install", "plexd-hook", CHART]);
    await k(["wait", "--for=condition=Established", "crd/plexdhooks.plexd.plexsphere.com", "--timeout=60s"]);
    // plexd-cluster: a plexd token not bound to a DaemonSet pod may create no Job (plexd-hook-jobs policy).
    const token = (await k(["create", "token", "plexd-cluster", "-n", NS, "--duration=1h"])).trim();
    const kubeconfig = writeTokenKubeconfig(cluster, join(cluster.dir, "chart-operator.kubeconfig"), token);
    operator = startOperator(["--kubeconfig", kubeconfig, "--namespace", NS, "--node-name", "node-a"]);
    await operator.waitReady();
    const applied = await cluster.kubectl(["apply", "-f", "-"], {
      stdin: hookYaml("first", NS, { hookName: "first", nodeName: "node-a" }),
    });
    expect(applied.stderr).toBe("");
    const phase = await waitFor(
      "the hook to finish",
      async () => {
        const status = (await kJson(["get", "plexdhook", "first", "-n", NS])).status;
        return (status?.phase === "Succeeded" || status?.phase === "Failed") && status.phase;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(phase).toBe("Succeeded");
  }, 180_000);

  test("helm upgrade with changed values changes the DaemonSet and the fleet controller", async () => {
    await helmOk(["upgrade", "plexd-hook", CHART, "--set", "logLevel=debug,healthPort=9090,fleet.replicas=3,image.tag=9.9.9"]);
    const container = (await kJson(["get", "daemonset", "plexd-hook", "-n", NS])).spec.template.spec.containers[0];
    expect(container.args).toEqual(["--namespace=$(POD_NAMESPACE)", "--health-addr=:9090", "--log-level=debug"]);
    expect(container.ports[0].containerPort).toBe(9090);
    expect(container.image).toBe("ghcr.io/plexsphere/plexd-hook:9.9.9");
    const fleet = (await kJson(["get", "deployment", "plexd-hook-fleet", "-n", NS])).spec;
    expect(fleet.replicas).toBe(3);
    expect(fleet.template.spec.serviceAccountName).toBe("plexd-cluster");
    const fleetContainer = fleet.template.spec.containers[0];
    expect(fleetContainer.args).toEqual(["fleet", "--namespace=$(POD_NAMESPACE)", "--health-addr=:9090", "--log-level=debug"]);
    expect(fleetContainer.image).toBe("ghcr.io/plexsphere/plexd-hook:9.9.9");
    expect(await helmOk(["history", "plexd-hook", "-o", "json"])).toContain('"revision":2');
  });

  test("helm uninstall leaves nothing of the chart behind but the CRD and the namespace, with the hook in it", async () => {
    await operator?.stop();
    operator = undefined;
    await helmOk(["uninstall", "plexd-hook", "--wait"]);
    await k(["get", "crd", "plexdhooks.plexd.plexsphere.com"]);
    const left = await waitFor(
      "the chart's objects to be gone",
      async () => {
        const names = (
          await k([
            "get",
            "namespaces,clusterroles,clusterrolebindings,rolebindings,serviceaccounts,daemonsets,deployments,poddisruptionbudgets,validatingadmissionpolicies,validatingadmissionpolicybindings",
            "-A",
            "-l",
            "app.kubernetes.io/part-of=plexd",
            "-o",
            "name",
          ])
        )
          .trim()
          .split("\n")
          .filter(Boolean);
        return names.length === 1 ? names : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(left).toEqual([`namespace/${NS}`]);
    expect((await kJson(["get", "plexdhook", "first", "-n", NS])).status.phase).toBe("Succeeded");
  }, 180_000);
});
