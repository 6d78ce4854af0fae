// The RBAC manifests grant the seed's rules and the kustomization installs every manifest.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { parse, parseAllDocuments } from "yaml";
import { ALL_NODES_LEASE_NAME, FLEET_LEASE_NAME, GROUP, PLURAL, SERVICE_ACCOUNT } from "./constants.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
};

const deployDir = new URL("../deploy/kubernetes/", import.meta.url).pathname;
const manifests = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(`${deployDir}${file}`, "utf8")).map((doc) => doc.toJS() as Manifest);
const role = (name: string): Manifest => {
  const found = manifests("clusterrole.yaml").find((m) => m.kind === "ClusterRole" && m.metadata.name === name);
  if (!found) throw new Error(`No ClusterRole: ${name}`);
  return found;
};

/** Whether some rule grants `verb` on `resource` in `group` (wildcards count as grants). */
const allows = (rules: Rule[], group: string, resource: string, verb: string): boolean =>
  rules.some(
    (r) =>
      (r.apiGroups.includes(group) || r.apiGroups.includes("*")) &&
      (r.resources.includes(resource) || r.resources.includes("*")) &&
      (r.verbs.includes(verb) || r.verbs.includes("*")),
  );

const expand = (rules: Rule[]): string[] =>
  rules
    .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))))
    .toSorted();

describe("ClusterRole plexd", () => {
  const rules = role("plexd").rules ?? [];

  test.each([
    // The seed's table.
    [GROUP, PLURAL, ["get", "list", "watch"]],
    [GROUP, `${PLURAL}/status`, ["get", "update", "patch"]],
    ["batch", "jobs", ["create", "get", "list", "watch"]],
    // What the features need: blockOwnerDeletion, Events, the untargeted-hook Lease, exit codes.
    [GROUP, `${PLURAL}/finalizers`, ["update"]],
    ["", "events", ["create", "patch", "list"]],
    ["coordination.k8s.io", "leases", ["get", "list", "watch", "create", "update"]],
    ["", "pods", ["get", "list"]],
    ["", "pods/log", ["get"]],
  ])("allows group %p resource %p verbs %p", (group, resource, verbs) => {
    for (const verb of verbs) expect(allows(rules, group, resource, verb)).toBe(true);
  });

  test("reads, watches and renews only its own two Leases", () => {
    const leaseRules = rules.filter((r) => r.resources.includes("leases"));
    for (const rule of leaseRules.filter((r) => r.verbs.some((v) => v !== "create"))) {
      expect(rule.resourceNames).toEqual([FLEET_LEASE_NAME, ALL_NODES_LEASE_NAME]);
    }
  });

  test("grants no wildcard and nothing that deletes or touches secrets", () => {
    const grants = expand(rules);
    expect(grants.filter((g) => g.includes("*") || g.endsWith(":delete") || g.endsWith(":deletecollection"))).toEqual([]);
    expect(grants.filter((g) => g.includes("/secrets:"))).toEqual([]);
  });
});

test("ClusterRole plexd-hook-reader grants exactly get, list and watch on plexdhooks", () => {
  expect(expand(role("plexd-hook-reader").rules ?? [])).toEqual(
    [`${GROUP}/${PLURAL}:get`, `${GROUP}/${PLURAL}:list`, `${GROUP}/${PLURAL}:watch`].toSorted(),
  );
});

test("ClusterRole plexd grants only namespaced resources, so a RoleBinding can hold all of it", () => {
  const clusterScoped = ["nodes", "namespaces", "clusterroles", "clusterrolebindings", "customresourcedefinitions"];
  expect((role("plexd").rules ?? []).flatMap((r) => r.resources).filter((r) => clusterScoped.includes(r))).toEqual([]);
});

test("the RoleBinding gives ClusterRole plexd to both operator accounts, in their own namespace only", () => {
  const [binding] = manifests("rolebinding.yaml");
  const accounts = manifests("serviceaccount.yaml");
  const namespace = accounts[0]?.metadata.namespace;
  expect(binding?.kind).toBe("RoleBinding");
  expect(binding?.metadata.namespace).toBe(namespace);
  expect(binding?.roleRef).toMatchObject({ kind: "ClusterRole", name: "plexd" });
  expect(accounts.map((a) => a.metadata.name)).toEqual([SERVICE_ACCOUNT, `${SERVICE_ACCOUNT}-cluster`]);
  expect(binding?.subjects).toEqual(accounts.map((a) => ({ kind: "ServiceAccount", name: a.metadata.name, namespace })));
});

test("the only ClusterRoleBinding lists nodes (the lost-node report), nothing else", () => {
  const bindings = manifests("clusterrolebinding.yaml");
  expect(bindings.map((b) => b.roleRef?.name)).toEqual(["plexd-hook-nodes"]);
  expect(expand(role("plexd-hook-nodes").rules ?? [])).toEqual(["/nodes:list", "/nodes:watch"]);
});

test("ClusterRole plexd-hook-privileged-author grants only the two opt-ins the admission policy asks for", () => {
  expect(expand(role("plexd-hook-privileged-author").rules ?? [])).toEqual([
    `${GROUP}/${PLURAL}/control-plane:use`,
    `${GROUP}/${PLURAL}/privileged:use`,
  ]);
});

test("the kustomization lists every manifest in deploy/kubernetes, the CRD included", () => {
  const kustomization = parse(readFileSync(`${deployDir}kustomization.yaml`, "utf8"));
  const listed = (kustomization.resources as string[]).map((r) => realpathSync(`${deployDir}${r}`)).toSorted();
  const present = readdirSync(deployDir)
    .filter((name) => name !== "kustomization.yaml")
    .map((name) => realpathSync(`${deployDir}${name}`))
    .toSorted();
  expect(listed).toEqual(present);
  expect(listed).toContain(realpathSync(new URL("../crds", import.meta.url).pathname));
});
