// Turns a startup failure into the one line a person needs to fix it.

import { CRD_NAME } from "../constants.ts";
import { ApiError, errorText } from "../kube/errors.ts";
import { CREDENTIALS_UNAVAILABLE } from "../kube/rest.ts";

const INSTALL = "plexd-hook manifests | kubectl apply -f -";

function apiErrorIn(err: unknown): ApiError | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof ApiError) return e;
  return undefined;
}

export function explain(err: unknown, server: string): string {
  const api = apiErrorIn(err);
  if (!api) return errorText(err);
  const detail = api.message.replace(/^[A-Z]+ \S+: /, "");
  if (api.reason === CREDENTIALS_UNAVAILABLE)
    return `cannot get credentials for the API server at ${server}: ${detail.replace(/^cannot get credentials: /, "")}`;
  switch (api.statusCode) {
    case 0:
      return `cannot reach the Kubernetes API server at ${server}: ${detail.replace(/^cannot reach the API server at \S+: /, "")} (is the cluster running, and are --kubeconfig and --context right?)`;
    case 401:
      return `the API server at ${server} rejected the credentials (401 Unauthorized): ${detail}`;
    case 403:
      return `forbidden: ${detail}; the operator needs the plexd ClusterRole bound to its account by a RoleBinding in the hook namespace (${INSTALL})`;
    case 404:
      if (/plexdhooks/.test(api.message))
        return `the PlexdHook CRD (${CRD_NAME}) is not installed: install it with \`${INSTALL}\` or \`kubectl apply -f crds/plexdhook-crd.yaml\``;
      return `not found: ${detail}`;
    default:
      return detail;
  }
}
