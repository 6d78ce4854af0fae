// docs/metacontroller.md states what the manifests and the code define: names, flags, metrics, times. Checked here.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { codeBlocks } from "../../tests/support/markdown.ts";
import { JOB_FINALIZER } from "../constants.ts";
import {
  REASON_DRAIN_UNSUPPORTED,
  REASON_JOB_DELETED,
  REASON_JOB_MISSING,
  REASON_JOB_UNCONFIRMED,
  REASON_NODE_NAME_REQUIRED,
} from "../core/reasons.ts";
import { renderManifests } from "../manifests.ts";
import { WebhookMetrics } from "./metrics.ts";
import { CERTIFICATE_CHECK_MS } from "./reloading-server.ts";
import { MAX_BODY_BYTES } from "./server.ts";
import { JOB_UNSEEN_GRACE_SECONDS } from "./sync.ts";

const ROOT = join(import.meta.dir, "..", "..");
const doc = readFileSync(join(ROOT, "docs/metacontroller.md"), "utf8");
const flat = doc.replace(/\s+/g, " ");
const all = parseAllDocuments(renderManifests({ mode: "metacontroller" })).map((d) => d.toJS());
const [cc] = all.filter((d) => d.kind === "CompositeController");
const [deployment] = all.filter((d) => d.kind === "Deployment");
const [service] = all.filter((d) => d.kind === "Service");
const pod = deployment.spec.template.spec;
const tlsVolume = pod.volumes.find((v: any) => v.secret);
const tlsMount = pod.containers[0].volumeMounts.find((m: any) => m.name === tlsVolume.name);
const { caBundle } = cc.spec.hooks.sync.webhook;
const namespace = service.metadata.namespace;

describe("docs/metacontroller.md", () => {
  test("names the Secret, the CA ConfigMap and key, the mount, the flags and the host as the manifests have them", () => {
    expect(flat).toContain(`Secret \`${tlsVolume.secret.secretName}\``);
    expect(flat).toContain(`\`caBundle.configMapRef\`: \`${caBundle.configMapRef.name}\`, key \`${caBundle.configMapRef.key}\``);
    expect(flat).toContain(`mounted read-only at \`${tlsMount.mountPath}\``);
    const flags = pod.containers[0].args.filter((a: string) => a.startsWith("--tls-")).join(" ");
    expect(flat).toContain(`\`${flags}\``);
    expect(flat).toContain(`\`https://${service.metadata.name}.<namespace>:${service.spec.ports[0].port}/<hook>\``);
    expect(flat).toContain(`Service \`${service.metadata.name}\` on port ${service.spec.ports[0].port}`);
  });

  test("the openssl commands make the Secret and the ConfigMap the manifests name, for the host Metacontroller calls", () => {
    const sh = codeBlocks(doc)
      .filter((b) => b.heading.startsWith("With openssl"))
      .map((b) => b.text);
    expect(sh).toHaveLength(2);
    expect(sh[0]).toContain(`create configmap ${caBundle.configMapRef.name} --from-file=${caBundle.configMapRef.key}=ca.crt`);
    expect(sh[1]).toContain(`HOST=${service.metadata.name}.$NAMESPACE`);
    expect(sh[1]).toContain("subjectAltName=DNS:$HOST,");
    expect(sh[1]).toContain(`create secret tls ${tlsVolume.secret.secretName} `);
  });

  test("the cert-manager objects issue the Secret the webhook mounts, for the host Metacontroller calls, from the CA put in the ConfigMap", () => {
    const [yaml, sh] = codeBlocks(doc).filter((b) => b.heading === "With cert-manager");
    const objects = parseAllDocuments(yaml?.text ?? "").map((d) => d.toJS());
    const certificates = objects.filter((o) => o.kind === "Certificate");
    const webhook = certificates.find((c) => !c.spec.isCA);
    const ca = certificates.find((c) => c.spec.isCA);
    expect(webhook.spec.secretName).toBe(tlsVolume.secret.secretName);
    expect(webhook.spec.dnsNames).toContain(`${service.metadata.name}.${namespace}`);
    for (const o of objects) expect(o.metadata.namespace).toBe(namespace);
    expect(sh?.text).toContain(`get secret ${ca.spec.secretName} -o jsonpath='{.data.ca\\.crt}'`);
    expect(sh?.text).toContain(`create configmap ${caBundle.configMapRef.name} --from-file=${caBundle.configMapRef.key}=ca.crt`);
  });

  test("names every webhook metric, and no other", () => {
    const names = new WebhookMetrics().registry.getMetricsAsArray().map((m) => m.name);
    for (const name of names) expect(doc).toContain(name);
    for (const [name] of doc.matchAll(/plexd_hook_webhook_[a-z_]+/g)) expect(names).toContain(name);
  });

  test("gives the CA's rotation step the CompositeController's comment gives: restart Metacontroller, touching is not enough", () => {
    const comment = readFileSync(join(ROOT, "deploy/metacontroller/compositecontroller.yaml"), "utf8")
      .split("\n")
      .filter((line) => line.trimStart().startsWith("#"))
      .map((line) => line.replace(/^\s*#\s*/, ""))
      .join(" ");
    const rotation = flat.split("**The CA**")[1]?.split("```")[0] ?? "";
    expect(comment).toContain("after changing the CA, restart Metacontroller");
    expect(rotation).toContain("restart Metacontroller");
    expect(rotation).toContain("an annotation is not enough");
  });

  test("says the times, limits and reasons the code has", () => {
    expect(flat).toContain(`reads them every ${CERTIFICATE_CHECK_MS / 1000} seconds`);
    expect(flat).toContain(`never seen within ${JOB_UNSEEN_GRACE_SECONDS} seconds`);
    expect(flat).toContain(`a body over ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    expect(flat).toContain(`reason \`${REASON_JOB_MISSING}\``);
    expect(flat).toContain(`reason \`${REASON_JOB_UNCONFIRMED}\``);
    expect(flat).toContain(`reason \`${REASON_DRAIN_UNSUPPORTED}\``);
    expect(flat).toContain(`reason \`${REASON_NODE_NAME_REQUIRED}\``);
    expect(flat).toContain(`\`${REASON_JOB_DELETED}\` in the native mode`);
    expect(flat).toContain(`the finalizer \`${JOB_FINALIZER}\``);
  });
});
