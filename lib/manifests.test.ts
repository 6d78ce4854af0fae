// Tests for the embedded install manifests.

import { describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { CRD_NAME, ROLLOUT_CRD_NAME } from "./constants.ts";
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

const WORKLOADS = ["DaemonSet", "Deployment"];
const daemonSetImage = (docs: Manifest[], kind = "DaemonSet"): string | undefined =>
  docs.find((d) => d.kind === kind)?.spec?.template?.spec?.containers?.[0]?.image;

describe("renderManifests()", () => {
  test("emits the CRDs first, then the namespace and what the workloads need, the workloads last", () => {
    const kinds = manifestsOf(renderManifests()).map((d) => d.kind as string);
    const crds = kinds.filter((k) => k === "CustomResourceDefinition").length;
    expect(kinds.slice(0, crds + 1)).toEqual([...Array(crds).fill("CustomResourceDefinition"), "Namespace"]);
    expect(kinds.slice(-3)).toEqual(["DaemonSet", "Deployment", "PodDisruptionBudget"]);
    for (const kind of ["ServiceAccount", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "FlowSchema"]) {
      expect(kinds).toContain(kind);
    }
    expect(kinds.filter((k) => k === "ValidatingAdmissionPolicy").length).toBe(
      kinds.filter((k) => k === "ValidatingAdmissionPolicyBinding").length,
    );
  });

  test("the metacontroller mode has no PlexdRollout: no fleet controller runs them there", () => {
    const text = renderManifests({ mode: "metacontroller" });
    expect(text).not.toContain(ROLLOUT_CRD_NAME);
    expect(text).not.toContain("plexd-hook-rollouts");
  });

  test("every document parses and has apiVersion, kind and a name", () => {
    for (const doc of manifestsOf(renderManifests())) {
      expect(doc.apiVersion).toBeString();
      expect(doc.kind).toBeString();
      expect(doc.metadata?.name).toBeString();
    }
  });

  test("the CRDs are the checked-in files, byte for byte", async () => {
    const crd = await Bun.file(new URL("../crds/plexdhook-crd.yaml", import.meta.url)).text();
    const rolloutCrd = await Bun.file(new URL("../crds/plexdrollout-crd.yaml", import.meta.url)).text();
    expect(renderManifests().startsWith(`${crd}---\n${rolloutCrd}---\n`)).toBe(true);
    expect(manifestsOf(renderManifests())[0]?.metadata?.name).toBe(CRD_NAME);
    expect(manifestsOf(renderManifests())[1]?.metadata?.name).toBe(ROLLOUT_CRD_NAME);
  });

  test("keeps the checked-in image when no image is given", () => {
    expect(daemonSetImage(manifestsOf(renderManifests()))).toBe("ghcr.io/plexsphere/plexd-hook:0.1.0");
  });

  test("replaces the DaemonSet's and the fleet controller's image when one is given, and nothing else", () => {
    const image = `registry.example.com/plexd-hook:1.2.3@sha256:${"a".repeat(64)}`;
    const plain = manifestsOf(renderManifests());
    const docs = manifestsOf(renderManifests({ image }));
    expect(daemonSetImage(docs)).toBe(image);
    expect(daemonSetImage(docs, "Deployment")).toBe(image);
    const others = (all: Manifest[]) => all.filter((d) => !WORKLOADS.includes(d.kind as string));
    expect(others(docs)).toEqual(others(plain));
  });

  test("moves every namespaced object and the bindings' subjects to the given namespace", () => {
    const docs = manifestsOf(renderManifests({ namespace: "ops" }));
    expect(docs.find((d) => d.kind === "Namespace")?.metadata?.name).toBe("ops");
    for (const kind of ["ServiceAccount", "RoleBinding", "DaemonSet", "Deployment", "PodDisruptionBudget"]) {
      for (const doc of docs.filter((d) => d.kind === kind)) expect(doc.metadata?.namespace).toBe("ops");
    }
    const bindings = docs.filter((d) => d.kind === "RoleBinding" || d.kind === "ClusterRoleBinding");
    expect(bindings.length).toBeGreaterThanOrEqual(3);
    for (const binding of bindings) {
      expect(binding.subjects?.length).toBeGreaterThan(0);
      for (const subject of binding.subjects ?? []) expect(subject.namespace).toBe("ops");
    }
    const flowSchema = docs.find((d) => d.kind === "FlowSchema") as any;
    const accounts = flowSchema.spec.rules.flatMap((r: any) => r.subjects.map((s: any) => s.serviceAccount.namespace));
    expect(accounts).toEqual(["ops"]);
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
