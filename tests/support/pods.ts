// Pods and Events as the kubelet and the Job controller report them, for the status tests.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Pod } from "../../lib/core/types.ts";

/** A pod whose hook container exited with code 3. */
export const failedPod: Pod = terminatedPod("plexdhook-h-abcde", 3, "Error");

/** A pod whose hook container ended with `exitCode` for `reason`, as the kubelet reports it. */
export function terminatedPod(name: string, exitCode: number, reason: string): Pod {
  return {
    metadata: { name },
    status: {
      containerStatuses: [
        { name: "hook", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode, reason } } },
      ],
    },
  };
}

/** A pod the scheduler cannot place. */
export const unschedulable: Pod = {
  metadata: { name: "p1" },
  status: {
    phase: "Pending",
    conditions: [
      {
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
        message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
      },
    ],
  },
};

/** A Pending pod whose hook container waits for `reason`. */
function waiting(name: string, reason: string, message?: string): Pod {
  const state = { waiting: { reason, ...(message && { message }) } };
  const container = { name: "hook", image: "x", imageID: "", ready: false, restartCount: 0, state };
  return { metadata: { name }, status: { phase: "Pending", containerStatuses: [container] } };
}

/** A pod whose image cannot be pulled. */
export const unpullable: Pod = waiting("p2", "ImagePullBackOff", 'Back-off pulling image "x"');

/** A pod whose container is being created: the normal wait. */
export const creating: Pod = waiting("p3", "ContainerCreating");

/** A pod whose container the kubelet cannot configure (a missing ConfigMap or Secret, say). */
export const configError = (message: string): Pod => waiting("plexdhook-h-abcde", "CreateContainerConfigError", message);

/** The Job controller's FailedCreate Event with `message`, last seen at `at`. */
export const failedCreate = (message: string, at: string): CoreV1Event => ({
  metadata: {},
  involvedObject: {},
  reason: "FailedCreate",
  message,
  lastTimestamp: new Date(at),
});
