// The RBAC manifests: the node agents' role (plexd), the fleet controller's (plexd-cluster), their bindings, the kustomization.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { isMap, isSeq, parse, parseAllDocuments } from "yaml";
import { ALL_NODES_LEASE_NAME, FLEET_LEASE_NAME, GROUP, PLURAL, SERVICE_ACCOUNT } from "./constants.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
};

const CLUSTER_ACCOUNT = `${SERVICE_ACCOUNT}-cluster`;
const deployDir = new URL("../deploy/kubernetes/", import.meta.url).pathname;
const read = (file: string): string => readFileSync(`${deployDir}${file}`, "utf8");
const manifests = (file: string): Manifest[] => parseAllDocuments(read(file)).map((doc) => doc.toJS() as Manifest);
const role = (name: string): Manifest => {
  const found = manifests("clusterrole.yaml").find((m) => m.kind === "ClusterRole" && m.metadata.name === name);
  if (!found) throw new Error(`No ClusterRole: ${name}`);
  return found;
};

/** Every grant as "group/resource:verb", or "group/resource#name:verb" when limited to names. */
const expand = (rules: Rule[]): string[] =>
  rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) =>
          (r.resourceNames ?? [undefined]).flatMap((name) => r.verbs.map((v) => `${g}/${res}${name ? `#${name}` : ""}:${v}`)),
        ),
      ),
    )
    .toSorted();

const grants = (group: string, resource: string, verbs: string[]): string[] => verbs.map((v) => `${group}/${resource}:${v}`);

/** What a node agent does for its own node's hooks: the seed's three rules, then what the features need. */
const NODE_AGENT = [
  ...grants(GROUP, PLURAL, ["get", "list", "watch"]),
  ...grants(GROUP, `${PLURAL}/status`, ["get", "update", "patch"]),
  ...grants("batch", "jobs", ["create", "get", "list", "watch"]),
  // Removing plexd-hook's finalizer once the outcome is recorded (plexd-hook-job-updates: nothing else).
  ...grants("batch", "jobs", ["patch"]),
  ...grants(GROUP, `${PLURAL}/finalizers`, ["update"]),
  ...grants("", "events", ["create", "patch", "list"]),
  ...grants("", "pods", ["get", "list"]),
  ...grants("", "pods/log", ["get"]),
];

/** The fleet controller and cluster mode: the same, plus agents' pods watched and their two Leases. */
const FLEET = [
  ...NODE_AGENT,
  ...grants("", "pods", ["watch"]),
  ...grants("coordination.k8s.io", "leases", ["create"]),
  ...[FLEET_LEASE_NAME, ALL_NODES_LEASE_NAME].flatMap((name) =>
    grants("coordination.k8s.io", `leases#${name}`, ["get", "list", "watch", "update"]),
  ),
];

describe.each([
  ["plexd", NODE_AGENT],
  ["plexd-cluster", FLEET],
])("ClusterRole %s", (name, expected) => {
  const rules = role(name).rules ?? [];

  test("grants exactly its table", () => {
    expect(expand(rules)).toEqual(expected.toSorted());
  });

  test("grants no wildcard and nothing that deletes or touches Secrets, Nodes or RBAC", () => {
    const all = expand(rules);
    expect(all.filter((g) => g.includes("*") || g.endsWith(":delete") || g.endsWith(":deletecollection"))).toEqual([]);
    expect(
      all.filter((g) => /\/(secrets|nodes|namespaces|roles|rolebindings|clusterroles|clusterrolebindings)[#:]/.test(g)),
    ).toEqual([]);
  });

  test("says above every rule beyond the seed's three (plexdhooks, their status, jobs) which feature needs it", () => {
    const doc = parseAllDocuments(read("clusterrole.yaml")).find((d) => d.getIn(["metadata", "name"]) === name);
    const items = doc?.get("rules");
    if (!isSeq(items)) throw new Error(`ClusterRole ${name} has no rules`);
    const seed = [PLURAL, `${PLURAL}/status`, "jobs"];
    const uncommented = rules.filter((rule, i) => {
      const item = items.items[i];
      const commented = isMap(item) && Boolean(item.commentBefore?.trim());
      // A second rule on the same resource (the named Leases) shares the comment above the first.
      const continues = i > 0 && rules[i - 1]?.resources[0] === rule.resources[0];
      return !commented && !continues && !seed.includes(rule.resources[0] as string);
    });
    expect(uncommented.map((r) => `${r.apiGroups[0]}/${r.resources.join(",")}`)).toEqual([]);
  });
});

test("the node agents' role holds no Lease and reads no Node: electing and the cluster-wide reports are the fleet controller's", () => {
  const all = expand(role("plexd").rules ?? []);
  expect(all.filter((g) => g.includes("/leases") || g.includes("/nodes"))).toEqual([]);
});

test("ClusterRole plexd-hook-reader grants exactly get, list and watch on plexdhooks", () => {
  expect(expand(role("plexd-hook-reader").rules ?? [])).toEqual(grants(GROUP, PLURAL, ["get", "list", "watch"]).toSorted());
});

test("each account gets its own ClusterRole by a RoleBinding in its own namespace only", () => {
  const accounts = manifests("serviceaccount.yaml");
  const namespace = accounts[0]?.metadata.namespace;
  expect(accounts.map((a) => a.metadata.name)).toEqual([SERVICE_ACCOUNT, CLUSTER_ACCOUNT]);
  const bindings = manifests("rolebinding.yaml");
  expect(bindings.map((b) => [b.kind, b.metadata.namespace, b.roleRef?.kind, b.roleRef?.name, b.subjects])).toEqual(
    [SERVICE_ACCOUNT, CLUSTER_ACCOUNT].map((account) => [
      "RoleBinding",
      namespace,
      "ClusterRole",
      account,
      [{ kind: "ServiceAccount", name: account, namespace }],
    ]),
  );
});

test("the only ClusterRoleBinding lets plexd-cluster alone read Nodes (get, list, watch), nothing else", () => {
  const bindings = manifests("clusterrolebinding.yaml");
  expect(bindings.map((b) => b.roleRef?.name)).toEqual(["plexd-hook-nodes"]);
  expect(bindings[0]?.subjects?.map((s) => s.name)).toEqual([CLUSTER_ACCOUNT]);
  expect(expand(role("plexd-hook-nodes").rules ?? [])).toEqual(["/nodes:get", "/nodes:list", "/nodes:watch"]);
});

test("ClusterRole plexd-hook-privileged-author grants only the two opt-ins the admission policy asks for", () => {
  expect(expand(role("plexd-hook-privileged-author").rules ?? [])).toEqual([
    `${GROUP}/${PLURAL}/control-plane:use`,
    `${GROUP}/${PLURAL}/privileged:use`,
  ]);
});

test("the kustomization lists every manifest in deploy/kubernetes, the CRD included", () => {
  const kustomization = parse(read("kustomization.yaml"));
  const listed = (kustomization.resources as string[]).map((r) => realpathSync(`${deployDir}${r}`)).toSorted();
  const present = readdirSync(deployDir)
    .filter((name) => name !== "kustomization.yaml")
    .map((name) => realpathSync(`${deployDir}${name}`))
    .toSorted();
  expect(listed).toEqual(present);
  expect(listed).toContain(realpathSync(new URL("../crds", import.meta.url).pathname));
});
