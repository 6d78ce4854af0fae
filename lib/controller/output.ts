// Keeps the end of a finished hook's container log in status.output when the hook asks for it (spec.output).

import type { Logger } from "pino";
import { CONTAINER_NAME } from "../constants.ts";
import { cutOutput, outputLimits } from "../core/output.ts";
import { newestPod, podSelector } from "../core/pods.ts";
import { isTerminal } from "../core/status.ts";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";

/** The kubelet cuts limitBytes from the start of the tail, so ask for a generous cap and cut the end here. */
const FETCH_LIMIT_BYTES = 1 << 20;

/**
 * `status` with `output` set from the hook pod's log, if the hook asks for output and just ended. A log
 * that cannot be read (pod gone, node not answering) is logged and left out: the hook's outcome
 * matters more than its output, so it is written without.
 */
export async function withOutput(
  client: Pick<KubeClient, "listPods" | "podLog">,
  hook: PlexdHook,
  job: Job,
  status: PlexdHookStatus,
  logger: Logger,
): Promise<PlexdHookStatus> {
  const limits = outputLimits(hook);
  const selector = podSelector(job);
  if (!limits || !selector || !isTerminal(status.phase) || isTerminal(hook.status?.phase)) return status;
  const { namespace, name } = hook.metadata;
  try {
    const pod = newestPod(await client.listPods(namespace, selector));
    if (!pod?.metadata?.name) throw new Error(`Job ${job.metadata?.name} has no pod`);
    const log = await client.podLog(namespace, pod.metadata.name, CONTAINER_NAME, {
      tailLines: limits.tailLines,
      limitBytes: FETCH_LIMIT_BYTES,
    });
    return { ...status, output: cutOutput(log, limits.maxBytes) };
  } catch (err) {
    logger.warn({ hook: name, error: errorText(err) }, "hook output not kept: its log could not be read");
    return status;
  }
}
