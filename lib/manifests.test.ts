// Tests for the embedded install manifests.

import { describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { CRD_NAME } from "./constants.ts";
import { renderManifests } from "./manifests.ts";

type Manifest = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  subjects?: { namespace?: string }[];
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
};

const manifestsOf = (text: string): Manifest[] =>
  parseAllDocuments(text).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Manifest;
  });

const daemonSetImage = (docs: Manifest[]): string | undefined =>
  docs.find((d) => d.kind === "DaemonSet")?.spec?.template?.spec?.containers?.[0]?.image;

describe("renderManifests()", () => {
  test("emits the CRD first, then the namespace, accounts, roles, bindings, admission policies, FlowSchema and DaemonSet", () => {
    const kinds = manifestsOf(renderManifests()).map((d) => d.kind);
    expect(kinds).toEqual([
      "CustomResourceDefinition",
      "Namespace",
      "ServiceAccount",
      "ServiceAccount",
      ...Array(5).fill("ClusterRole"),
      "RoleBinding",
      "ClusterRoleBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "FlowSchema",
      "DaemonSet",
    ]);
  });

  test("every document parses and has apiVersion, kind and a name", () => {
    for (const doc of manifestsOf(renderManifests())) {
      expect(doc.apiVersion).toBeString();
      expect(doc.kind).toBeString();
      expect(doc.metadata?.name).toBeString();
    }
  });

  test("the CRD is the checked-in file, byte for byte", async () => {
    const crd = await Bun.file(new URL("../crds/plexdhook-crd.yaml", import.meta.url)).text();
    expect(renderManifests().startsWith(crd)).toBe(true);
    expect(manifestsOf(renderManifests())[0]?.metadata?.name).toBe(CRD_NAME);
  });

  test("keeps the checked-in image when no image is given", () => {
    expect(daemonSetImage(manifestsOf(renderManifests()))).toBe("ghcr.io/plexsphere/plexd-hook:0.1.0");
  });

  test("replaces the DaemonSet image when one is given, and nothing else", () => {
    const image = `registry.example.com/plexd-hook:1.2.3@sha256:${"a".repeat(64)}`;
    const plain = manifestsOf(renderManifests());
    const docs = manifestsOf(renderManifests({ image }));
    expect(daemonSetImage(docs)).toBe(image);
    expect(docs.filter((d) => d.kind !== "DaemonSet")).toEqual(plain.filter((d) => d.kind !== "DaemonSet"));
  });

  test("moves every namespaced object and the bindings' subjects to the given namespace", () => {
    const docs = manifestsOf(renderManifests({ namespace: "ops" }));
    expect(docs.find((d) => d.kind === "Namespace")?.metadata?.name).toBe("ops");
    for (const kind of ["ServiceAccount", "RoleBinding", "DaemonSet"]) {
      for (const doc of docs.filter((d) => d.kind === kind)) expect(doc.metadata?.namespace).toBe("ops");
    }
    for (const kind of ["RoleBinding", "ClusterRoleBinding"]) {
      const subjects = docs.find((d) => d.kind === kind)?.subjects ?? [];
      expect(subjects.map((s) => s.namespace)).toEqual(["ops", "ops"]);
    }
    const flowSchema = docs.find((d) => d.kind === "FlowSchema") as any;
    const accounts = flowSchema.spec.rules.flatMap((r: any) => r.subjects.map((s: any) => s.serviceAccount.namespace));
    expect(accounts).toEqual(["ops", "ops"]);
    expect(renderManifests({ namespace: "ops" })).not.toContain("plexd-system");
  });

  test("returns the checked-in manifests unchanged for the default namespace", () => {
    expect(renderManifests({ namespace: "plexd-system" })).toBe(renderManifests());
  });

  test.each([
    ["an empty image", { image: "" }],
    ["an image with spaces", { image: "busybox latest" }],
    ["an uppercase namespace", { namespace: "Plexd" }],
    ["a namespace longer than 63 characters", { namespace: "a".repeat(64) }],
  ])("rejects %s with a TypeError quoting the value", (_, opts) => {
    expect(() => renderManifests(opts)).toThrow(TypeError);
    expect(() => renderManifests(opts)).toThrow(/: "/);
  });
});
