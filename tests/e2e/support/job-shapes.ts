// Jobs the builder never makes: each spoils one field of a builder Job, with the start of the API server's refusal.

import type { V1Container, V1PodSpec, V1SecurityContext } from "@kubernetes/client-node";
import type { Job } from "../../../lib/core/types.ts";

const pod = (job: Job): V1PodSpec => job.spec!.template.spec!;
const container = (job: Job): V1Container => pod(job).containers[0]!;
const securityContext = (job: Job): V1SecurityContext => container(job).securityContext!;

/** The start of plexd-hook-jobs' message for a field the builder never sets. */
const foreign = (...fields: string[]): string => `${fields.join(", ")}: not set by the plexd-hook Job builder, so refused`;

/**
 * [what, spoil, the start of the policy's message (after "denied request: ")]. A message that is not the
 * policy's (the API server's own validation refuses the shape first) is marked `api:`.
 */
type Shape = [string, (job: Job) => void, string];

export const SPOILED: Shape[] = [
  // The container's securityContext.
  [
    "added capabilities",
    (job) => (securityContext(job).capabilities!.add = ["SYS_ADMIN"]),
    "spec.template.spec.containers[0].securityContext.capabilities.add: an unprivileged hook's container drops ALL capabilities and adds none",
  ],
  [
    "capabilities not dropped",
    (job) => (securityContext(job).capabilities = {}),
    "spec.template.spec.containers[0].securityContext.capabilities: an unprivileged hook's container drops ALL capabilities",
  ],
  [
    "allowPrivilegeEscalation: true",
    (job) => (securityContext(job).allowPrivilegeEscalation = true),
    "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: an unprivileged hook's container sets allowPrivilegeEscalation: false",
  ],
  [
    "a writable root filesystem",
    (job) => (securityContext(job).readOnlyRootFilesystem = false),
    "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: an unprivileged hook's container has a read-only root filesystem",
  ],
  [
    "seccomp Unconfined",
    (job) => (securityContext(job).seccompProfile = { type: "Unconfined" }),
    "spec.template.spec.containers[0].securityContext.seccompProfile: an unprivileged hook's container runs under the RuntimeDefault seccomp profile",
  ],
  [
    "procMount",
    (job) => (securityContext(job).procMount = "Default"),
    foreign("spec.template.spec.containers[0].securityContext.procMount"),
  ],
  [
    "runAsUser 0",
    (job) => (securityContext(job).runAsUser = 0),
    foreign("spec.template.spec.containers[0].securityContext.runAsUser"),
  ],
  [
    "an AppArmor profile Unconfined",
    (job) => (securityContext(job).appArmorProfile = { type: "Unconfined" }),
    foreign("spec.template.spec.containers[0].securityContext.appArmorProfile"),
  ],
  // Host namespaces and other pod fields.
  ["hostPID", (job) => (pod(job).hostPID = true), foreign("spec.template.spec.hostPID")],
  ["hostNetwork", (job) => (pod(job).hostNetwork = true), foreign("spec.template.spec.hostNetwork")],
  ["hostIPC", (job) => (pod(job).hostIPC = true), foreign("spec.template.spec.hostIPC")],
  ["hostUsers: false", (job) => (pod(job).hostUsers = false), foreign("spec.template.spec.hostUsers")],
  [
    "shareProcessNamespace",
    (job) => (pod(job).shareProcessNamespace = true),
    foreign("spec.template.spec.shareProcessNamespace"),
  ],
  ["a runtimeClassName", (job) => (pod(job).runtimeClassName = "runc"), foreign("spec.template.spec.runtimeClassName")],
  [
    "hostAliases",
    (job) => (pod(job).hostAliases = [{ ip: "10.0.0.1", hostnames: ["registry"] }]),
    foreign("spec.template.spec.hostAliases"),
  ],
  [
    "a priorityClassName",
    (job) => (pod(job).priorityClassName = "system-node-critical"),
    foreign("spec.template.spec.priorityClassName"),
  ],
  [
    "imagePullSecrets",
    (job) => (pod(job).imagePullSecrets = [{ name: "registry" }]),
    foreign("spec.template.spec.imagePullSecrets"),
  ],
  [
    "pod sysctls",
    (job) => (pod(job).securityContext = { sysctls: [{ name: "kernel.shm_rmid_forced", value: "0" }] }),
    foreign("spec.template.spec.securityContext.sysctls"),
  ],
  [
    "pod SELinux options",
    (job) => (pod(job).securityContext = { seLinuxOptions: { type: "spc_t" } }),
    foreign("spec.template.spec.securityContext.seLinuxOptions"),
  ],
  [
    "an AppArmor annotation on the pod",
    (job) => (job.spec!.template.metadata!.annotations = { "container.apparmor.security.beta.kubernetes.io/hook": "unconfined" }),
    foreign("spec.template.metadata.annotations"),
  ],
  // Volumes and containers.
  [
    "a hostPath volume of /",
    (job) => {
      pod(job).volumes = [{ name: "root", hostPath: { path: "/" } }];
      container(job).volumeMounts = [{ name: "root", mountPath: "/host" }];
    },
    foreign("spec.template.spec.volumes", "spec.template.spec.containers[0].volumeMounts"),
  ],
  [
    "a Secret volume",
    (job) => (pod(job).volumes = [{ name: "secret", secret: { secretName: "anything" } }]),
    foreign("spec.template.spec.volumes"),
  ],
  [
    "a projected service-account token",
    (job) => (pod(job).volumes = [{ name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }]),
    foreign("spec.template.spec.volumes"),
  ],
  [
    "a raw block device",
    (job) => {
      pod(job).volumes = [{ name: "disk", persistentVolumeClaim: { claimName: "disk" } }];
      container(job).volumeDevices = [{ name: "disk", devicePath: "/dev/xvda" }];
    },
    foreign("spec.template.spec.volumes", "spec.template.spec.containers[0].volumeDevices"),
  ],
  [
    "an init container",
    (job) => (pod(job).initContainers = [{ name: "init", image: "busybox" }]),
    foreign("spec.template.spec.initContainers"),
  ],
  [
    "an ephemeral container",
    (job) => (pod(job).ephemeralContainers = [{ name: "debug", image: "busybox" }]),
    "api: spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template",
  ],
  [
    "a second container",
    (job) => pod(job).containers.push({ name: "sidecar", image: "busybox" }),
    "spec.template.spec.containers: a plexd-hook Job has exactly one container, named hook; this one has 2 (hook, sidecar)",
  ],
  [
    "a container port",
    (job) => (container(job).ports = [{ containerPort: 8080 }]),
    foreign("spec.template.spec.containers[0].ports"),
  ],
  [
    "envFrom a Secret",
    (job) => (container(job).envFrom = [{ secretRef: { name: "anything" } }]),
    foreign("spec.template.spec.containers[0].envFrom"),
  ],
  [
    "a postStart hook",
    (job) => (container(job).lifecycle = { postStart: { exec: { command: ["sh"] } } }),
    foreign("spec.template.spec.containers[0].lifecycle"),
  ],
  [
    "resource limits",
    (job) => (container(job).resources = { limits: { memory: "1Gi" } }),
    "spec.template.spec.containers[0].resources: a plexd-hook container sets no resources",
  ],
  // The account and its token.
  [
    "ServiceAccount default",
    (job) => (pod(job).serviceAccountName = "default"),
    "spec.template.spec.serviceAccountName: a Job created by plexd-hook's accounts must run as serviceAccountName plexd",
  ],
  [
    "the token automounted",
    (job) => (pod(job).automountServiceAccountToken = true),
    "spec.template.spec.automountServiceAccountToken: a Job created by plexd-hook's accounts must set automountServiceAccountToken: false",
  ],
  // The environment.
  [
    "a valueFrom fieldRef",
    (job) => container(job).env!.push({ name: "PLEXD_PARAM_POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }),
    "spec.template.spec.containers[0].env[].valueFrom (PLEXD_PARAM_POD): a parameter reads exactly one configMapKeyRef or secretKeyRef",
  ],
  [
    "PLEXD_NODE_ID set to another node",
    (job) => (container(job).env![0]!.value = "node-b"),
    "spec.template.spec.containers[0].env: a plexd-hook container's environment is PLEXD_NODE_ID (the node it is pinned to)",
  ],
  [
    "a variable outside PLEXD_PARAM_*",
    (job) => container(job).env!.push({ name: "LD_PRELOAD", value: "/tmp/x.so" }),
    "spec.template.spec.containers[0].env: a plexd-hook container's environment is PLEXD_NODE_ID",
  ],
  // Placement and the Job itself.
  [
    "no control-plane avoiding affinity",
    (job) => delete pod(job).affinity,
    "spec.template.spec.affinity: the node agent token of node-a may create only Jobs that keep off control-plane nodes",
  ],
  [
    "spec.template.spec.nodeName set",
    (job) => (pod(job).nodeName = "node-a"),
    "spec.template.spec.nodeName: a Job created by plexd-hook's accounts is placed by its kubernetes.io/hostname nodeSelector",
  ],
  [
    "a second nodeSelector",
    (job) => (pod(job).nodeSelector!.zone = "a"),
    "spec.template.spec.nodeSelector: a plexd-hook Job is pinned by exactly one nodeSelector",
  ],
  [
    "fewer tolerations",
    (job) => (pod(job).tolerations = [{ operator: "Exists" }]),
    "spec.template.spec.tolerations: a plexd-hook Job tolerates every taint",
  ],
  [
    "a pod label of another workload",
    (job) => (job.spec!.template.metadata!.labels!.app = "database"),
    "spec.template.metadata.labels: a plexd-hook Job's pods carry the Job's three labels and those the Job controller adds",
  ],
  ["parallelism 5", (job) => (job.spec!.parallelism = 5), "spec: a plexd-hook Job runs one pod"],
  ["managedBy another controller", (job) => (job.spec!.managedBy = "example.com/other"), foreign("spec.managedBy")],
  [
    "no owner",
    (job) => delete job.metadata!.ownerReferences,
    "metadata.ownerReferences: a Job created by plexd-hook's accounts must have a PlexdHook as its controller owner",
  ],
  [
    "a Deployment as owner",
    (job) => Object.assign(job.metadata!.ownerReferences![0]!, { apiVersion: "apps/v1", kind: "Deployment" }),
    "metadata.ownerReferences: a Job created by plexd-hook's accounts must have a PlexdHook as its controller owner",
  ],
  ["another name", (job) => (job.metadata!.name = "squatter"), "metadata.name: the Job of PlexdHook"],
  [
    "a finalizer of someone else",
    (job) => job.metadata!.finalizers!.push("example.com/keep"),
    "metadata.finalizers: a plexd-hook Job carries no finalizer but plexd-hook's own, plexd.plexsphere.com/outcome",
  ],
];
