// The drain's rights (deploy/kubernetes/drain-rbac.yaml): exactly what it needs, for plexd-cluster only.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { ANNOTATION_CORDONED_BY, DRAIN_FINALIZER, GROUP, PLURAL } from "./constants.ts";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
  spec?: { matchConditions?: { expression: string }[]; variables?: { name: string; expression: string }[] };
};

const read = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(new URL(`../deploy/kubernetes/${file}`, import.meta.url), "utf8")).map(
    (doc) => doc.toJS() as Manifest,
  );
const rbac = read("drain-rbac.yaml");
const policies = read("drain-policy.yaml");
const grants = (kind: string, name: string): string[] =>
  (rbac.find((m) => m.kind === kind && m.metadata.name === name)?.rules ?? [])
    .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))))
    .toSorted();

test("ClusterRole plexd-hook-drain grants exactly nodes patch, pods list and pods/eviction create", () => {
  expect(grants("ClusterRole", "plexd-hook-drain")).toEqual(["/nodes:patch", "/pods/eviction:create", "/pods:list"]);
});

test("ClusterRole plexd-hook-drain-finalizer grants exactly patch on plexdhooks, bound in the install namespace only", () => {
  expect(grants("ClusterRole", "plexd-hook-drain-finalizer")).toEqual([`${GROUP}/${PLURAL}:patch`]);
  const binding = rbac.find((m) => m.roleRef?.name === "plexd-hook-drain-finalizer");
  expect([binding?.kind, binding?.metadata.namespace]).toEqual(["RoleBinding", "plexd-system"]);
});

test("both bindings name plexd-cluster alone: a node agent's token gets none of the drain's rights", () => {
  const bindings = rbac.filter((m) => m.kind.endsWith("Binding"));
  expect(bindings.map((b) => [b.kind, b.roleRef?.name])).toEqual([
    ["ClusterRoleBinding", "plexd-hook-drain"],
    ["RoleBinding", "plexd-hook-drain-finalizer"],
  ]);
  for (const binding of bindings) {
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "plexd-cluster", namespace: "plexd-system" }]);
  }
});

test("the policies name the annotation and the finalizer the code uses", () => {
  const variable = (policy: string, name: string) =>
    policies.find((m) => m.metadata.name === policy)?.spec?.variables?.find((v) => v.name === name)?.expression;
  expect(variable("plexd-hook-drain-nodes", "key")).toBe(`'${ANNOTATION_CORDONED_BY}'`);
  expect(variable("plexd-hook-drain-finalizer", "ours")).toBe(`'${DRAIN_FINALIZER}'`);
});

test("each policy has a binding that denies", () => {
  const names = policies.filter((m) => m.kind === "ValidatingAdmissionPolicy").map((m) => m.metadata.name);
  expect(names).toEqual(["plexd-hook-drain-nodes", "plexd-hook-drain-finalizer", "plexd-hook-drain-status"]);
  const bound = policies
    .filter((m) => m.kind === "ValidatingAdmissionPolicyBinding")
    .map((m) => (m as unknown as { spec: { policyName: string; validationActions: string[] } }).spec);
  expect(bound).toEqual(names.map((policyName) => ({ policyName, validationActions: ["Deny"] })));
});

test("docs/security.md's drain table holds exactly the drain's grants, all plexd-cluster's", () => {
  const doc = readFileSync(new URL("../docs/security.md", import.meta.url), "utf8");
  const block = doc.split("<!-- drain-grants:begin -->")[1]?.split("<!-- drain-grants:end -->")[0] ?? "";
  const rows = block
    .trim()
    .split("\n")
    .slice(2)
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const documented = rows.flatMap(([resource = "", agent, cluster = "", role = ""]) => {
    expect(agent).toBe("—");
    const name = resource.match(/`([^`]+)`/)?.[1] ?? "";
    const group = name === "plexdhooks" ? GROUP : "";
    const clusterRole = role.match(/`([^`]+)`/)?.[1] ?? "";
    return cluster.split(",").map((verb) => `${clusterRole} ${group}/${name}:${verb.trim()}`);
  });
  const granted = ["plexd-hook-drain", "plexd-hook-drain-finalizer"].flatMap((role) =>
    grants("ClusterRole", role).map((grant) => `${role} ${grant}`),
  );
  expect(documented.toSorted()).toEqual(granted.toSorted());
});
