// The PlexdHook CRD on the real API server: names, printer columns, explain, admission, field selectors, install paths.

import { beforeAll, describe, expect, test } from "bun:test";
import { parse, parseAllDocuments } from "yaml";
import { hookYaml, readYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { BINARY, REPO } from "./support/operator.ts";

const NS = "e2e-crd";
const CRD = "plexdhooks.plexd.plexsphere.com";
let env: Setup;

/** kubectl wraps long descriptions; compare text with every run of whitespace folded to one space. */
const flat = (text: string): string => text.replace(/\s+/g, " ");

/** The column titles of kubectl's table output. */
const header = (table: string): string[] => (table.split("\n")[0] ?? "").trim().split(/\s{2,}/);

/** Runs the compiled binary and returns what it printed, failing on a non-zero exit. */
function plexdHook(args: string[]): string {
  const run = Bun.spawnSync([BINARY, ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`plexd-hook ${args.join(" ")} failed (${run.exitCode}): ${run.stderr.toString()}`);
  return run.stdout.toString();
}

const docsOf = (stream: string): any[] =>
  parseAllDocuments(stream)
    .map((doc) => doc.toJS())
    .filter(Boolean);

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
}, 600_000);

describe("the installed CRD", () => {
  let crd: any;
  beforeAll(async () => {
    crd = await env.json(["get", "crd", CRD]);
  });

  const rows: Array<[string, () => unknown, unknown]> = [
    ["group plexd.plexsphere.com", () => crd.spec.group, "plexd.plexsphere.com"],
    [
      "kind PlexdHook and list kind PlexdHookList",
      () => [crd.spec.names.kind, crd.spec.names.listKind],
      ["PlexdHook", "PlexdHookList"],
    ],
    [
      "plural plexdhooks and singular plexdhook",
      () => [crd.spec.names.plural, crd.spec.names.singular],
      ["plexdhooks", "plexdhook"],
    ],
    ["short name ph", () => crd.spec.names.shortNames, ["ph"]],
    ["scope Namespaced", () => crd.spec.scope, "Namespaced"],
    [
      "one version, v1alpha1, served and stored",
      () => crd.spec.versions.map((v: any) => [v.name, v.served, v.storage]),
      [["v1alpha1", true, true]],
    ],
    ["a status subresource", () => crd.spec.versions[0].subresources, { status: {} }],
  ];
  test.each(rows)("has %s", (_row, actual, expected) => {
    expect(actual()).toEqual(expected);
  });

  test("is Established with its names accepted", () => {
    const status = (type: string) => crd.status.conditions.find((c: any) => c.type === type)?.status;
    expect([status("Established"), status("NamesAccepted")]).toEqual(["True", "True"]);
    expect(crd.status.acceptedNames.shortNames).toEqual(["ph"]);
  });
});

describe("kubectl get ph", () => {
  let wideColumns: string[];
  beforeAll(async () => {
    await env.k(["apply", "-f", "-"], hookYaml("columns", NS, { hookName: "columns", nodeName: "node-c" }));
    const file = await readYaml("crds/plexdhook-crd.yaml");
    wideColumns = file.spec.versions[0].additionalPrinterColumns
      .filter((c: any) => c.priority === 1)
      .map((c: any) => c.name.toUpperCase());
  });

  test("prints NAME, HOOK NAME, PRIVILEGED, PHASE and AGE, in that order and nothing else", async () => {
    const table = await env.k(["get", "ph", "-n", NS]);
    expect(header(table)).toEqual(["NAME", "HOOK NAME", "PRIVILEGED", "PHASE", "AGE"]);
    expect(table).toMatch(/^columns\s+columns\s+false\s/m);
  });

  test("-o wide adds the CRD's priority-1 columns after those", async () => {
    expect(wideColumns.length).toBeGreaterThan(0);
    const table = await env.k(["get", "ph", "-n", NS, "-o", "wide"]);
    expect(header(table)).toEqual(["NAME", "HOOK NAME", "PRIVILEGED", "PHASE", "AGE", ...wideColumns]);
  });
});

describe("kubectl explain", () => {
  const rows: Array<[string, string[]]> = [
    [
      "plexdhook.spec",
      [
        "The task to run. Immutable once created",
        "hookName <string> -required-",
        "jobTemplate <Object>",
        "parameters <[]Object>",
        "privileged <boolean>",
      ],
    ],
    ["plexdhook.spec.hookName", ["Name of the hook to execute. Must be non-empty.", "at most 63 characters"]],
    [
      "plexdhook.spec.jobTemplate.image",
      ["Container image, for example alpine:3.19. Must be non-empty if set", "busybox:latest"],
    ],
    ["plexdhook.status.phase", ["Execution phase: Pending (Job created), Running (its pod runs), Succeeded or Failed."]],
    [
      "plexdhook.spec.parameters.valueFrom",
      ["Reads the value from a key of a ConfigMap or Secret", "configMapKeyRef <Object>", "secretKeyRef <Object>"],
    ],
    [
      "plexdhook.spec.parameters.valueFrom.secretKeyRef.optional",
      ["the hook stays Pending, saying which object or key is missing"],
    ],
  ];
  test.each(rows)("%s describes the field", async (field, expected) => {
    const text = flat(await env.k(["explain", field]));
    for (const part of expected) expect(text).toContain(part);
  });
});

describe("admission", () => {
  const manifest = (name: string, spec?: Record<string, unknown>) =>
    JSON.stringify({
      apiVersion: "plexd.plexsphere.com/v1alpha1",
      kind: "PlexdHook",
      metadata: { name, namespace: NS },
      ...(spec ? { spec } : {}),
    });

  beforeAll(async () => {
    await env.k(["apply", "-f", "-"], manifest("existing", { hookName: "existing", jobTemplate: { image: "alpine:3.19" } }));
  });

  // Each refusal must name the field and say what is wrong with it, so the user knows what to change.
  const refused: Array<[string, string, string[]]> = [
    ["an empty hookName", manifest("empty-name", { hookName: "" }), ["spec.hookName", "should be at least 1 chars long"]],
    ["a missing hookName", manifest("missing-name", { privileged: true }), ["spec.hookName: Required value"]],
    [
      "a hookName longer than 63 characters",
      manifest("long-name", { hookName: "a".repeat(64) }),
      ["spec.hookName: Too long", "63"],
    ],
    [
      "a hookName that is not a label value",
      manifest("label", { hookName: "bad name!" }),
      ['spec.hookName: Invalid value: "bad name!"', "hookName must be a valid label value"],
    ],
    [
      "an empty jobTemplate.image",
      manifest("empty-image", { hookName: "x", jobTemplate: { image: "" } }),
      ["spec.jobTemplate.image", "jobTemplate.image must be non-empty if set; omit it to use busybox:latest"],
    ],
    [
      "a parameter without a name",
      manifest("unnamed", { hookName: "x", parameters: [{ value: "v" }] }),
      ["spec.parameters[0].name: Required value"],
    ],
    [
      "a parameter with an empty name",
      manifest("empty-param", { hookName: "x", parameters: [{ name: "", value: "v" }] }),
      ["spec.parameters[0].name", "should be at least 1 chars long"],
    ],
    [
      "duplicate parameter names",
      manifest("duplicate", {
        hookName: "x",
        parameters: [
          { name: "a", value: "1" },
          { name: "a", value: "2" },
        ],
      }),
      ['spec.parameters[1]: Duplicate value: {"name":"a"}'],
    ],
    [
      "a parameter with both value and valueFrom",
      manifest("both", {
        hookName: "x",
        parameters: [{ name: "a", value: "1", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }],
      }),
      ["spec.parameters[0]", "each parameter sets exactly one of value and valueFrom"],
    ],
    [
      "a parameter with neither value nor valueFrom",
      manifest("neither", { hookName: "x", parameters: [{ name: "a" }] }),
      ["spec.parameters[0]", "each parameter sets exactly one of value and valueFrom"],
    ],
    [
      "a valueFrom with both a ConfigMap and a Secret",
      manifest("two-sources", {
        hookName: "x",
        parameters: [
          { name: "a", valueFrom: { secretKeyRef: { name: "s", key: "k" }, configMapKeyRef: { name: "c", key: "k" } } },
        ],
      }),
      ["spec.parameters[0].valueFrom", "valueFrom sets exactly one of configMapKeyRef and secretKeyRef"],
    ],
    [
      "a secretKeyRef without a key",
      manifest("no-key", { hookName: "x", parameters: [{ name: "a", valueFrom: { secretKeyRef: { name: "s" } } }] }),
      ["spec.parameters[0].valueFrom.secretKeyRef.key: Required value"],
    ],
    ["no spec at all", manifest("no-spec"), ["spec: Required value"]],
    [
      "privileged that is not a boolean",
      manifest("not-bool", { hookName: "x", privileged: "yes" }),
      ["spec.privileged", "must be of type boolean"],
    ],
    [
      "an edit of an existing hook's spec",
      manifest("existing", { hookName: "existing", jobTemplate: { image: "alpine:3.20" } }),
      ["spec is immutable once created; delete this PlexdHook and create a new one to run a different task"],
    ],
  ];
  test.each(refused)("refuses %s with a message that says what to change", async (_case, yaml, expected) => {
    const result = await env.tryK(["apply", "-f", "-"], yaml);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`The PlexdHook "${JSON.parse(yaml).metadata.name}" is invalid`);
    for (const part of expected) expect(result.stderr).toContain(part);
  });

  test("a merge patch of the spec is refused as well, and the spec stays as created", async () => {
    const result = await env.tryK([
      "patch",
      "ph",
      "existing",
      "-n",
      NS,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { privileged: true } }),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("spec is immutable once created");
    expect((await env.json(["get", "ph", "existing", "-n", NS])).spec.jobTemplate).toEqual({ image: "alpine:3.19" });
  });

  test("refused hooks leave nothing behind", async () => {
    const names = (await env.json(["get", "ph", "-n", NS])).items.map((h: any) => h.metadata.name);
    for (const [, yaml] of refused) {
      const name = JSON.parse(yaml).metadata.name;
      if (name !== "existing") expect(names).not.toContain(name);
    }
  });

  test("a minimal hook (only hookName) is accepted and defaults privileged and allowControlPlane to false and backoffLimit to 0", async () => {
    await env.k(["create", "-f", "-"], manifest("minimal", { hookName: "minimal" }));
    const created = await env.json(["get", "ph", "minimal", "-n", NS]);
    expect(created.spec).toEqual({ hookName: "minimal", privileged: false, allowControlPlane: false, backoffLimit: 0 });
  });

  test("parameters from a ConfigMap or Secret key are accepted next to plain values", async () => {
    const parameters = [
      { name: "plain", value: "1" },
      { name: "token", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
      { name: "level", valueFrom: { configMapKeyRef: { name: "settings", key: "level", optional: true } } },
    ];
    await env.k(["create", "-f", "-"], manifest("value-from", { hookName: "value-from", parameters }));
    expect((await env.json(["get", "ph", "value-from", "-n", NS])).spec.parameters).toEqual(parameters);
  });
});

describe("field selectors", () => {
  beforeAll(async () => {
    const hooks = [
      hookYaml("sel-node-a", NS, { hookName: "sel", nodeName: "node-a" }),
      hookYaml("sel-node-b", NS, { hookName: "sel", nodeName: "node-b" }),
      hookYaml("sel-anywhere", NS, { hookName: "sel" }),
    ];
    for (const hook of hooks) await env.k(["apply", "-f", "-"], hook);
  });

  const names = async (selector: string): Promise<string[]> =>
    (await env.json(["get", "ph", "-n", NS, "--field-selector", selector])).items
      .map((h: any) => h.metadata.name)
      .filter((n: string) => n.startsWith("sel-"));

  test("spec.nodeName=node-b returns only the hook targeted at node-b", async () => {
    expect(await names("spec.nodeName=node-b")).toEqual(["sel-node-b"]);
  });

  test("spec.nodeName= returns only hooks without a target", async () => {
    const untargeted = (await env.json(["get", "ph", "-n", NS, "--field-selector", "spec.nodeName="])).items;
    expect(untargeted.filter((h: any) => h.spec.nodeName)).toEqual([]);
    expect(await names("spec.nodeName=")).toEqual(["sel-anywhere"]);
  });

  test("status.nodeName is selectable too", async () => {
    const result = await env.tryK(["get", "ph", "-n", NS, "--field-selector", "status.nodeName=x", "-o", "name"]);
    expect([result.code, result.stdout, result.stderr]).toEqual([0, "", ""]);
  });

  test("a field that is not selectable is refused by the API server", async () => {
    const result = await env.tryK(["get", "ph", "-n", NS, "--field-selector", "spec.hookName=sel"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("field label not supported: spec.hookName");
  });
});

describe("install paths", () => {
  let fileCrd: any;
  beforeAll(async () => {
    fileCrd = await readYaml("crds/plexdhook-crd.yaml");
  });

  test("plexd-hook manifests is accepted by the API server (kubectl apply --dry-run=server)", async () => {
    const result = await env.tryK(["apply", "--dry-run=server", "-f", "-"], plexdHook(["manifests"]));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${CRD}`);
    expect(result.stdout).toContain("daemonset.apps/plexd-hook");
  });

  test("plexd-hook manifests --image puts that image on the DaemonSet, and the server accepts it", async () => {
    const stream = plexdHook(["manifests", "--image", "registry.example/plexd-hook:9.9"]);
    const daemonSets = docsOf(stream).filter((d) => d.kind === "DaemonSet");
    expect(daemonSets.map((d) => d.spec.template.spec.containers.map((c: any) => c.image))).toEqual([
      ["registry.example/plexd-hook:9.9"],
    ]);
    expect((await env.tryK(["apply", "--dry-run=server", "-f", "-"], stream)).code).toBe(0);
  });

  test("plexd-hook manifests carries the same CRDs as crds/ (PlexdHook, PlexdRollout)", async () => {
    const crds = docsOf(plexdHook(["manifests"])).filter((d) => d.kind === "CustomResourceDefinition");
    expect(crds).toEqual([fileCrd, await readYaml("crds/plexdrollout-crd.yaml")]);
  });

  test("kubectl kustomize deploy/kubernetes holds the same CRDs as crds/", async () => {
    const crds = docsOf(await env.k(["kustomize", `${REPO}/deploy/kubernetes`])).filter(
      (d) => d.kind === "CustomResourceDefinition",
    );
    expect(crds.toSorted((a, b) => a.metadata.name.localeCompare(b.metadata.name))).toEqual([
      fileCrd,
      await readYaml("crds/plexdrollout-crd.yaml"),
    ]);
  });

  test("kubectl kustomize deploy/metacontroller holds the same PlexdHook CRD, and the server accepts what it builds but the CompositeController", async () => {
    const docs = docsOf(await env.k(["kustomize", `${REPO}/deploy/metacontroller`]));
    // The crds/ base brings the PlexdRollout CRD too; without a fleet controller nothing runs rollouts there.
    expect(docs.filter((d) => d.kind === "CustomResourceDefinition" && d.metadata.name === CRD)).toEqual([fileCrd]);
    // No Metacontroller here, so no CompositeController kind; everything else must be valid.
    const rest = docs.filter((d) => d.kind !== "CompositeController" && d.kind !== "CustomResourceDefinition");
    const result = await env.tryK(["apply", "--dry-run=server", "-f", "-"], rest.map((d) => JSON.stringify(d)).join("\n---\n"));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("deployment.apps/plexd-hook-webhook");
  });

  test("the seed's path deploy/kubernetes/crds/plexdhook-crd.yaml has the same content", async () => {
    expect(parse(await Bun.file(`${REPO}/deploy/kubernetes/crds/plexdhook-crd.yaml`).text())).toEqual(fileCrd);
  });
});
