// The pure Job builder: one PlexdHook and a node in, the batch/v1 Job that runs it out.

import type { V1Container, V1SecurityContext } from "@kubernetes/client-node";
import {
  API_VERSION,
  CONTAINER_NAME,
  DEFAULT_BACKOFF_LIMIT,
  DEFAULT_IMAGE,
  KIND,
  LABEL_HOOK_NAME,
  LABEL_HOSTNAME,
  LABEL_MANAGED_BY,
  LABEL_NODE,
  MANAGED_BY_VALUE,
  SERVICE_ACCOUNT,
} from "../constants.ts";
import { buildEnv } from "./env.ts";
import { jobNameFor, nodeLabelValue } from "./names.ts";
import type { Job, PlexdHook } from "./types.ts";

const PRIVILEGED: V1SecurityContext = { privileged: true };
const RESTRICTED: V1SecurityContext = {
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};

/** The labels every hook Job and its pods carry. */
export function jobLabels(hook: PlexdHook, nodeName: string): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
    [LABEL_HOOK_NAME]: hook.spec.hookName,
    [LABEL_NODE]: nodeLabelValue(nodeName),
  };
}

/**
 * Builds the Job for `hook`, pinned to `nodeName`. Throws a TypeError with a message saying what to
 * change when the hook cannot be turned into a Job (see buildEnv).
 */
export function buildJob(hook: PlexdHook, nodeName: string): Job {
  const { spec, metadata } = hook;
  const labels = jobLabels(hook, nodeName);
  const container: V1Container = {
    name: CONTAINER_NAME,
    image: spec.jobTemplate?.image || DEFAULT_IMAGE,
    env: buildEnv(spec, nodeName),
    securityContext: structuredClone(spec.privileged ? PRIVILEGED : RESTRICTED),
  };
  if (spec.jobTemplate?.command) container.command = [...spec.jobTemplate.command];
  if (spec.jobTemplate?.args) container.args = [...spec.jobTemplate.args];

  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(metadata.name),
      namespace: metadata.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name: metadata.name,
          uid: metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT,
      ...(spec.activeDeadlineSeconds !== undefined && { activeDeadlineSeconds: spec.activeDeadlineSeconds }),
      ...(spec.ttlSecondsAfterFinished !== undefined && { ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished }),
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          nodeSelector: { [LABEL_HOSTNAME]: nodeName },
          serviceAccountName: SERVICE_ACCOUNT,
          // The plexd account may create Jobs cluster-wide; a hook must not inherit that.
          automountServiceAccountToken: false,
          restartPolicy: "Never",
          // Like the DaemonSet: a hook aimed at a tainted node still runs there.
          tolerations: [{ operator: "Exists" }],
          containers: [container],
        },
      },
    },
  };
}
