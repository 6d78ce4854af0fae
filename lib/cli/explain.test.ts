import { describe, expect, test } from "bun:test";
import { ApiError } from "../kube/errors.ts";
import { explain } from "./explain.ts";

describe("explain()", () => {
  const server = "https://k:6443";
  const cases: Array<[string, ApiError, string]> = [
    [
      "a missing CRD",
      new ApiError("GET /apis/plexd.plexsphere.com/v1alpha1/namespaces/x/plexdhooks: 404 page not found", 404, "NotFound"),
      "the PlexdHook CRD (plexdhooks.plexd.plexsphere.com) is not installed: install it with `plexd-hook manifests | kubectl apply -f -` or `kubectl apply -f crds/plexdhook-crd.yaml`",
    ],
    [
      "a forbidden request",
      new ApiError(
        'GET /apis/batch/v1/namespaces/x/jobs: jobs.batch is forbidden: User "system:serviceaccount:x:y" cannot list resource "jobs" in API group "batch" in the namespace "x"',
        403,
        "Forbidden",
      ),
      'forbidden: jobs.batch is forbidden: User "system:serviceaccount:x:y" cannot list resource "jobs" in API group "batch" in the namespace "x"; the operator needs the plexd ClusterRole bound to its account by a RoleBinding in the hook namespace (plexd-hook manifests | kubectl apply -f -)',
    ],
    [
      "bad credentials",
      new ApiError("GET /x: Unauthorized", 401, "Unauthorized"),
      "the API server at https://k:6443 rejected the credentials (401 Unauthorized): Unauthorized",
    ],
  ];
  test.each(cases)("explain() says how to fix %s", (_name, err, line) => {
    expect(explain(new Error(`kubernetes: plexdhook: watch: ${err.message}`, { cause: err }), server)).toBe(line);
  });
});
