// Names shared by the Job builder, the controller, the manifests and the tests, defined once.

export const GROUP = "plexd.plexsphere.com";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "PlexdHook";
export const PLURAL = "plexdhooks";
export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const ROLLOUT_KIND = "PlexdRollout";
export const ROLLOUT_PLURAL = "plexdrollouts";
/** @internal */
export const ROLLOUT_CRD_NAME = `${ROLLOUT_PLURAL}.${GROUP}`;

export const JOB_NAME_PREFIX = "plexdhook-";
/**
 * On every Job the operator creates, removed once the hook's status holds the Job's outcome (or the hook
 * is gone): until then neither ttlSecondsAfterFinished, garbage collection nor a person can make the Job
 * vanish, so a hook's Job can always be found again and its task never runs twice.
 */
export const JOB_FINALIZER = "plexd.plexsphere.com/outcome";
export const CONTAINER_NAME = "hook";
export const SERVICE_ACCOUNT = "plexd";
export const DEFAULT_IMAGE = "busybox:latest";
export const DEFAULT_BACKOFF_LIMIT = 0;
/** A hook Job's time limit when the hook sets none: long enough for an upgrade, short enough that a stuck task ends. */
export const DEFAULT_ACTIVE_DEADLINE_SECONDS = 6 * 60 * 60;
/** How long a hook pod stays bound to a NotReady or unreachable node before it is evicted (Kubernetes' own default). */
export const NODE_LOST_TOLERATION_SECONDS = 300;
/**
 * The node label that marks a control-plane node (kubeadm, k3s, RKE2). The older
 * node-role.kubernetes.io/master is left out: the API server warns on every Job that names it.
 */
export const CONTROL_PLANE_NODE_LABEL = "node-role.kubernetes.io/control-plane";

export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "plexd";
export const LABEL_HOOK_NAME = `${GROUP}/hook-name`;
export const LABEL_NODE = `${GROUP}/node`;
export const LABEL_HOSTNAME = "kubernetes.io/hostname";

export const ENV_NODE_ID = "PLEXD_NODE_ID";
export const ENV_HOOK_NAME = "PLEXD_HOOK_NAME";
export const ENV_PARAM_PREFIX = "PLEXD_PARAM_";

/** The downward-API variable the DaemonSet sets to the pod's node. */
export const ENV_NODE_NAME = "NODE_NAME";

export const LOG_COMPONENT = "plexdhook-controller";

/** The Lease that elects the one acting replica of the fleet controller. */
export const FLEET_LEASE_NAME = "plexd-hook-fleet";
/** The Lease that elects the one writing replica among --all-nodes replicas. */
export const ALL_NODES_LEASE_NAME = "plexd-hook-all-nodes";

/** Test only: shifts the clock the fleet controller's rollouts read by this many seconds (main.ts). */
export const ENV_TEST_CLOCK_OFFSET = "PLEXD_TEST_CLOCK_OFFSET_SECONDS";

/** Every hook of a PlexdRollout carries this label with the rollout's name. */
export const LABEL_ROLLOUT = `${GROUP}/rollout`;

/** Every hook one `plexd-hook run` creates carries this label with the run's id. */
export const LABEL_RUN_ID = `${GROUP}/run-id`;

/**
 * The Node annotation recording that plexd-hook cordoned the node: its value names the hook
 * (namespace/name) that holds the node. A node cordoned by anyone else has no such annotation and is
 * never uncordoned by plexd-hook.
 */
export const ANNOTATION_CORDONED_BY = `${GROUP}/cordoned-by`;
/** Keeps a hook that drains its node until the node is handed back (uncordoned if ours). */
export const DRAIN_FINALIZER = `${GROUP}/drain`;
/**
 * cluster-autoscaler's pod annotations, which the drain honours too: the emptyDir volumes (comma
 * separated) whose loss is fine, and "true" for a pod that may be evicted whatever its volumes and owner.
 */
export const ANNOTATION_SAFE_TO_EVICT_LOCAL_VOLUMES = "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes";
export const ANNOTATION_SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/** kubelet's annotation on the API server's copy of a static pod. */
export const ANNOTATION_MIRROR_POD = "kubernetes.io/config.mirror";
