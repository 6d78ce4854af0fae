// A ValidatingAdmissionPolicy and its binding that deny some plexdhooks requests in one namespace, for tests.

export interface Denial {
  name: string;
  namespace: string;
  operations: string[];
  /** plexdhooks, or a subresource such as plexdhooks/status. */
  resource: string;
  /** CEL: the request passes while it is true. */
  expression: string;
  message: string;
  labels?: Record<string, string>;
}

/** The policy and its binding as one List, for `kubectl apply -f -`. */
export function denyingPolicy({ name, namespace, operations, resource, expression, message, labels }: Denial): string {
  const metadata = { name, ...(labels && { labels }) };
  const policy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata,
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        resourceRules: [{ apiGroups: ["plexd.plexsphere.com"], apiVersions: ["*"], operations, resources: [resource] }],
      },
      validations: [{ expression, message }],
    },
  };
  const binding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata,
    spec: { policyName: name, validationActions: ["Deny"] },
  };
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: [policy, binding] });
}
