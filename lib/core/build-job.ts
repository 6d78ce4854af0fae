// The pure Job builder: one PlexdHook and a node in, the batch/v1 Job that runs it out.

import type { V1Affinity, V1Container, V1SecurityContext, V1Toleration } from "@kubernetes/client-node";
import {
  API_VERSION,
  CONTAINER_NAME,
  CONTROL_PLANE_NODE_LABEL,
  DEFAULT_ACTIVE_DEADLINE_SECONDS,
  DEFAULT_BACKOFF_LIMIT,
  DEFAULT_IMAGE,
  JOB_FINALIZER,
  KIND,
  LABEL_HOOK_NAME,
  LABEL_HOSTNAME,
  LABEL_MANAGED_BY,
  LABEL_NODE,
  MANAGED_BY_VALUE,
  NODE_LOST_TOLERATION_SECONDS,
  SERVICE_ACCOUNT,
} from "../constants.ts";
import { buildEnv } from "./env.ts";
import { jobNameFor, nodeLabelValue } from "./names.ts";
import type { Job, PlexdHook } from "./types.ts";

// Functions rather than shared constants: each Job gets objects of its own without deep-copying shared
// ones, which is dear on the path of every hook (docs/scale.md, "Where a burst's CPU goes").
const privileged = (): V1SecurityContext => ({ privileged: true });
const restricted = (): V1SecurityContext => ({
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
});

/**
 * Every taint is tolerated (like the DaemonSet: a hook aimed at a tainted node still runs), except
 * that a pod on a node that went NotReady or unreachable is evicted after NODE_LOST_TOLERATION_SECONDS.
 * Order matters: the taint manager takes the first toleration that matches each taint.
 */
const tolerations = (): V1Toleration[] => [
  ...["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
    key,
    operator: "Exists",
    effect: "NoExecute",
    tolerationSeconds: NODE_LOST_TOLERATION_SECONDS,
  })),
  { operator: "Exists" },
];

/** Keeps a hook off control-plane nodes unless it opted in (an opt-in the admission policy guards). */
const avoidControlPlane = (): V1Affinity => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: CONTROL_PLANE_NODE_LABEL, operator: "DoesNotExist" }] }],
    },
  },
});

/** The labels every hook Job and its pods carry. */
function jobLabels(hook: PlexdHook, nodeName: string): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
    [LABEL_HOOK_NAME]: hook.spec.hookName,
    [LABEL_NODE]: nodeLabelValue(nodeName),
  };
}

/**
 * Builds the Job for `hook`, pinned to `nodeName`. Throws a TypeError with a message saying what to
 * change when the hook cannot be turned into a Job (see buildEnv). `finalizer`: the Job carries
 * JOB_FINALIZER, for a controller that removes it once the outcome is recorded (not Metacontroller's).
 */
export function buildJob(hook: PlexdHook, nodeName: string, options: { finalizer?: boolean } = {}): Job {
  const { spec, metadata } = hook;
  const labels = jobLabels(hook, nodeName);
  const container: V1Container = {
    name: CONTAINER_NAME,
    image: spec.jobTemplate?.image || DEFAULT_IMAGE,
    env: buildEnv(spec, nodeName),
    securityContext: spec.privileged ? privileged() : restricted(),
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
      ...(options.finalizer && { finalizers: [JOB_FINALIZER] }),
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
      activeDeadlineSeconds: spec.activeDeadlineSeconds ?? DEFAULT_ACTIVE_DEADLINE_SECONDS,
      ...(spec.ttlSecondsAfterFinished !== undefined && { ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished }),
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          nodeSelector: { [LABEL_HOSTNAME]: nodeName },
          serviceAccountName: SERVICE_ACCOUNT,
          // The plexd account may create Jobs; a hook must not inherit that.
          automountServiceAccountToken: false,
          restartPolicy: "Never",
          tolerations: tolerations(),
          ...(!spec.allowControlPlane && { affinity: avoidControlPlane() }),
          containers: [container],
        },
      },
    },
  };
}
