// The Metacontroller install: what `plexd-hook manifests --mode metacontroller` prints and deploy/metacontroller holds.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { renderManifests } from "../manifests.ts";

const ROOT = join(import.meta.dir, "..", "..");
const docs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS());
const byKind = (list: any[], kind: string): any[] => list.filter((d) => d.kind === kind);

/** The Secret and ConfigMap docs/metacontroller.md tells how to make, and where the Secret is mounted. */
const WEBHOOK_TLS_SECRET = "plexd-hook-webhook-tls";
const WEBHOOK_CA_CONFIGMAP = "plexd-hook-webhook-ca";
const TLS_DIR = "/etc/plexd-hook/tls";

describe("renderManifests({ mode: 'metacontroller' })", () => {
  const all = docs(renderManifests({ mode: "metacontroller" }));

  test("emits the CRD, namespace, hook accounts, Metacontroller's RBAC, the author opt-in policy, the webhook and the CompositeController", () => {
    expect(all.map((d) => d.kind)).toEqual([
      "CustomResourceDefinition",
      "Namespace",
      "ServiceAccount",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "ServiceAccount",
      "Deployment",
      "Service",
      "CompositeController",
    ]);
    expect(all.some((d) => d.kind === "DaemonSet")).toBe(false);
  });

  test("the CompositeController has parent plexdhooks, child jobs OnDelete, a generated selector and v2 hooks on the Service", () => {
    const [cc] = byKind(all, "CompositeController");
    expect(cc.apiVersion).toBe("metacontroller.k8s.io/v1alpha1");
    expect(cc.spec.parentResource).toEqual({ apiVersion: "plexd.plexsphere.com/v1alpha1", resource: "plexdhooks" });
    expect(cc.spec.childResources).toEqual([
      { apiVersion: "batch/v1", resource: "jobs", updateStrategy: { method: "OnDelete" } },
    ]);
    expect(cc.spec.generateSelector).toBe(true);
    for (const hook of ["customize", "sync", "finalize"]) {
      expect(cc.spec.hooks[hook].version).toBe("v2");
      expect(cc.spec.hooks[hook].webhook.path).toBe(`/${hook}`);
    }
  });

  test("every hook is called over HTTPS on the Service's port, verified with the CA of a ConfigMap, never a Secret", () => {
    const [cc] = byKind(all, "CompositeController");
    const [service] = byKind(all, "Service");
    for (const hook of ["customize", "sync", "finalize"]) {
      const { webhook } = cc.spec.hooks[hook];
      expect(webhook.url).toBeUndefined();
      expect(webhook.service).toEqual({ name: service.metadata.name, namespace: "plexd-system", port: 443, protocol: "https" });
      expect(webhook.caBundle).toEqual({
        configMapRef: { name: WEBHOOK_CA_CONFIGMAP, namespace: "plexd-system", key: "ca.crt" },
      });
    }
    expect(service.spec.ports).toEqual([{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }]);
  });

  test("the webhook serves HTTPS with the certificate of a mounted Secret, and probes over HTTPS", () => {
    const [deployment] = byKind(all, "Deployment");
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.args).toEqual([
      "webhook",
      "--addr=:8443",
      `--tls-cert-file=${TLS_DIR}/tls.crt`,
      `--tls-private-key-file=${TLS_DIR}/tls.key`,
    ]);
    expect(container.ports).toEqual([{ name: "https", containerPort: 8443, protocol: "TCP" }]);
    const mount = container.volumeMounts.find((m: any) => m.mountPath === TLS_DIR);
    expect(mount.readOnly).toBe(true);
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    expect(volume.secret).toEqual({ secretName: WEBHOOK_TLS_SECRET, defaultMode: 0o440 });
    expect(pod.securityContext.fsGroup).toBe(container.securityContext.runAsGroup);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet).toMatchObject({ port: "https", scheme: "HTTPS" });
    }
  });

  test("the webhook runs `plexd-hook webhook` with no API token, behind a Service on its port", () => {
    const [deployment] = byKind(all, "Deployment");
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].args[0]).toBe("webhook");
    const [service] = byKind(all, "Service");
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe(pod.containers[0].ports[0].name);
  });

  test("Metacontroller's ClusterRole reads no Secrets", () => {
    const [role] = byKind(all, "ClusterRole").filter((r) => r.metadata.name === "plexd-hook-metacontroller");
    for (const rule of role.rules) {
      expect(rule.resources).not.toContain("secrets");
      expect(rule.resources).not.toContain("*");
    }
  });

  test("--namespace and --image move the webhook, its Service reference and its image", () => {
    const moved = docs(renderManifests({ mode: "metacontroller", namespace: "ops", image: "registry.local/plexd-hook:1" }));
    const [cc] = byKind(moved, "CompositeController");
    for (const hook of ["customize", "sync", "finalize"]) {
      expect(cc.spec.hooks[hook].webhook.service.namespace).toBe("ops");
      expect(cc.spec.hooks[hook].webhook.caBundle.configMapRef.namespace).toBe("ops");
    }
    const [deployment] = byKind(moved, "Deployment");
    expect(deployment.metadata.namespace).toBe("ops");
    expect(deployment.spec.template.spec.containers[0].image).toBe("registry.local/plexd-hook:1");
    // Metacontroller's own account stays where Metacontroller runs.
    expect(byKind(moved, "ClusterRoleBinding")[0].subjects[0].namespace).toBe("metacontroller");
  });

  test("the native mode is unchanged by default", () => {
    expect(renderManifests()).toBe(renderManifests({ mode: "native" }));
  });
});

describe("deploy/metacontroller", () => {
  test.each(["namespace.yaml", "serviceaccount.yaml", "admission-policy.yaml"])(
    "%s is the same as deploy/kubernetes's (kustomize cannot read it from there; copy it over if this fails)",
    (file) => {
      const copy = readFileSync(join(ROOT, "deploy/metacontroller", file), "utf8");
      expect(copy).toBe(readFileSync(join(ROOT, "deploy/kubernetes", file), "utf8"));
    },
  );

  test("kustomization.yaml builds the same objects as manifests --mode metacontroller", () => {
    const kustomization = docs(readFileSync(join(ROOT, "deploy/metacontroller/kustomization.yaml"), "utf8"))[0];
    const files = kustomization.resources.map((r: string) =>
      r === "crds" ? join(ROOT, "crds/plexdhook-crd.yaml") : join(ROOT, "deploy/metacontroller", r),
    );
    const fromFiles = files.flatMap((file: string) => docs(readFileSync(file, "utf8")));
    const key = (d: any) => `${d.kind}/${d.metadata?.namespace ?? ""}/${d.metadata?.name}`;
    const embedded = docs(renderManifests({ mode: "metacontroller" }));
    expect(fromFiles.map(key).sort()).toEqual(embedded.map(key).sort());
    expect(fromFiles.toSorted((a: any, b: any) => key(a).localeCompare(key(b)))).toEqual(
      embedded.toSorted((a: any, b: any) => key(a).localeCompare(key(b))),
    );
  });
});
