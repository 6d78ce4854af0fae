// The install manifests, embedded in the binary at build time so `plexd-hook manifests` works air-gapped.

import { type Document, isSeq, parse, parseAllDocuments } from "yaml";
import crd from "../crds/plexdhook-crd.yaml" with { type: "text" };
import rolloutCrd from "../crds/plexdrollout-crd.yaml" with { type: "text" };
import admissionPolicies from "../deploy/kubernetes/admission-policy.yaml" with { type: "text" };
import clusterRoles from "../deploy/kubernetes/clusterrole.yaml" with { type: "text" };
import clusterRoleBinding from "../deploy/kubernetes/clusterrolebinding.yaml" with { type: "text" };
import daemonSet from "../deploy/kubernetes/daemonset.yaml" with { type: "text" };
import drainPolicies from "../deploy/kubernetes/drain-policy.yaml" with { type: "text" };
import drainRbac from "../deploy/kubernetes/drain-rbac.yaml" with { type: "text" };
import fleet from "../deploy/kubernetes/fleet.yaml" with { type: "text" };
import flowSchema from "../deploy/kubernetes/flowschema.yaml" with { type: "text" };
import jobPolicy from "../deploy/kubernetes/job-policy.yaml" with { type: "text" };
import namespace from "../deploy/kubernetes/namespace.yaml" with { type: "text" };
import roleBinding from "../deploy/kubernetes/rolebinding.yaml" with { type: "text" };
import rolloutPolicy from "../deploy/kubernetes/rollout-policy.yaml" with { type: "text" };
import rolloutRbac from "../deploy/kubernetes/rollout-rbac.yaml" with { type: "text" };
import serviceAccount from "../deploy/kubernetes/serviceaccount.yaml" with { type: "text" };
import statusPolicy from "../deploy/kubernetes/status-policy.yaml" with { type: "text" };
import compositeController from "../deploy/metacontroller/compositecontroller.yaml" with { type: "text" };
import metacontrollerRbac from "../deploy/metacontroller/rbac.yaml" with { type: "text" };
import webhook from "../deploy/metacontroller/webhook.yaml" with { type: "text" };
import { DNS_LABEL } from "./core/names.ts";

export type Mode = "native" | "metacontroller";

/**
 * Install order: the CRDs first, then what the operator needs and the admission policies, the DaemonSet
 * and the fleet controller last. With Metacontroller: the webhook and the CompositeController in place
 * of the DaemonSet and the fleet controller (deploy/metacontroller holds the same namespace, ServiceAccounts
 * and author opt-in policy as copies, for kustomize; the binary embeds deploy/kubernetes's). The opt-in
 * for privileged and control-plane hooks (admission-policy.yaml) holds in both modes; the policies
 * that confine the operator's own tokens (job-policy.yaml, status-policy.yaml) come with the DaemonSet.
 * PlexdRollouts, their rights and their policy only natively: the fleet controller runs them.
 */
const SOURCES: Record<Mode, readonly string[]> = {
  native: [
    crd,
    rolloutCrd,
    namespace,
    serviceAccount,
    clusterRoles,
    roleBinding,
    clusterRoleBinding,
    rolloutRbac,
    admissionPolicies,
    jobPolicy,
    statusPolicy,
    drainRbac,
    drainPolicies,
    rolloutPolicy,
    flowSchema,
    daemonSet,
    fleet,
  ],
  metacontroller: [crd, namespace, serviceAccount, metacontrollerRbac, admissionPolicies, webhook, compositeController],
};

const HOOKS = ["customize", "sync", "finalize"] as const;

/** The namespace the checked-in manifests use, read from namespace.yaml rather than repeated here. */
const DEFAULT_NAMESPACE: string = parse(namespace).metadata.name;

/**
 * Returns the CRD and every deploy manifest as one multi-document YAML stream, ready for
 * `kubectl apply -f -`, for `mode` native (the DaemonSet) or metacontroller (the webhook). `image`
 * replaces the DaemonSet's or webhook Deployment's image; `namespace` moves the Namespace, every
 * namespaced object (the RoleBinding included) and the ServiceAccount subjects of the bindings and the
 * FlowSchema out of plexd-system. Files that
 * need no change are emitted byte for byte, comments included.
 */
export function renderManifests(opts: { image?: string; namespace?: string; mode?: Mode } = {}): string {
  const { image, namespace: target, mode = "native" } = opts;
  if (image !== undefined && !/^\S+$/.test(image)) {
    throw new TypeError(`Image must be a non-empty reference without spaces: ${JSON.stringify(image)}`);
  }
  if (target !== undefined && (target.length > 63 || !DNS_LABEL.test(target))) {
    throw new TypeError(`Namespace must be a DNS label of lowercase letters, digits and '-': ${JSON.stringify(target)}`);
  }

  const edit = (doc: Document): boolean => {
    let changed = false;
    const set = (path: unknown[], value: string): void => {
      if (doc.getIn(path) !== value) {
        doc.setIn(path, value);
        changed = true;
      }
    };
    const kind = doc.get("kind");
    if (image !== undefined && (kind === "DaemonSet" || kind === "Deployment")) {
      set(["spec", "template", "spec", "containers", 0, "image"], image);
    }
    if (target !== undefined) {
      if (kind === "Namespace" && doc.getIn(["metadata", "name"]) === DEFAULT_NAMESPACE) set(["metadata", "name"], target);
      if (doc.getIn(["metadata", "namespace"]) === DEFAULT_NAMESPACE) set(["metadata", "namespace"], target);
      for (const hook of HOOKS) {
        for (const field of [["service"], ["caBundle", "configMapRef"]]) {
          const at = ["spec", "hooks", hook, "webhook", ...field, "namespace"];
          if (kind === "CompositeController" && doc.getIn(at) === DEFAULT_NAMESPACE) set(at, target);
        }
      }
      const subjects = doc.get("subjects");
      if (isSeq(subjects)) {
        subjects.items.forEach((_, i) => {
          if (doc.getIn(["subjects", i, "namespace"]) === DEFAULT_NAMESPACE) set(["subjects", i, "namespace"], target);
        });
      }
      // A FlowSchema names its ServiceAccounts inside its rules.
      const rules = kind === "FlowSchema" ? doc.getIn(["spec", "rules"]) : undefined;
      if (isSeq(rules)) {
        rules.items.forEach((_, i) => {
          const accounts = doc.getIn(["spec", "rules", i, "subjects"]);
          if (!isSeq(accounts)) return;
          accounts.items.forEach((_, j) => {
            const at = ["spec", "rules", i, "subjects", j, "serviceAccount", "namespace"];
            if (doc.getIn(at) === DEFAULT_NAMESPACE) set(at, target);
          });
        });
      }
    }
    return changed;
  };

  const rendered = SOURCES[mode].map((source) => {
    const docs = parseAllDocuments(source);
    let changed = false;
    for (const doc of docs) {
      if (doc.errors.length > 0) throw new SyntaxError(`Embedded manifest does not parse: ${doc.errors[0]?.message}`);
      changed = edit(doc) || changed;
    }
    const text = changed ? docs.map(String).join("") : source;
    return text.endsWith("\n") ? text : `${text}\n`;
  });
  return rendered.join("---\n");
}
