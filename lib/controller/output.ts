// Keeps the end of a finished hook's container log in status.output when the hook asks for it (spec.output).

import type { Logger } from "pino";
import { CONTAINER_NAME } from "../constants.ts";
import { cutOutput, outputLimits } from "../core/output.ts";
import { newestPod, podSelector } from "../core/pods.ts";
import { isTerminal } from "../core/status.ts";
import type { Job, PlexdHook, PlexdHookStatus } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isTransient } from "../kube/errors.ts";

/** The kubelet cuts limitBytes from the start of the tail, so ask for a generous cap and cut the end here. */
const FETCH_LIMIT_BYTES = 1 << 20;
/** After a node's kubelet does not answer a log read, the logs of hooks on that node are not asked for this long. */
const KUBELET_SKIP_MS = 60_000;

/** `status` with its message saying why it has no output. */
function withoutOutput(status: PlexdHookStatus, why: string): PlexdHookStatus {
  const message = status.message ? `${status.message}; its output was not kept: ${why}` : `Output not kept: ${why}`;
  return { ...status, message };
}

/**
 * Sets status.output from the hook pod's log, if the hook asks for output and just ended. A log that
 * cannot be read (pod gone, node not answering) is left out, and the status message says so: the
 * outcome matters more than the output. The read runs inside a reconcile worker, so a kubelet that
 * does not answer (the client gives up after 5 s, LOG_TIMEOUT_MS) is not asked again for
 * KUBELET_SKIP_MS: a node gone dark holds up one worker once, not one per hook.
 */
export class OutputReader {
  /** Nodes whose kubelet did not answer: until when they are skipped (ms), and the error. */
  private readonly silent = new Map<string, { until: number; error: string }>();

  constructor(
    private readonly client: Pick<KubeClient, "listPods" | "podLog">,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  async withOutput(hook: PlexdHook, job: Job, status: PlexdHookStatus): Promise<PlexdHookStatus> {
    const limits = outputLimits(hook);
    const selector = podSelector(job);
    if (!limits || !selector || !isTerminal(status.phase) || isTerminal(hook.status?.phase)) return status;
    try {
      return { ...status, output: cutOutput(await this.read(hook, job, selector, limits.tailLines), limits.maxBytes) };
    } catch (err) {
      this.logger.warn({ hook: hook.metadata.name, error: errorText(err) }, "hook output not kept: its log could not be read");
      return withoutOutput(status, errorText(err));
    }
  }

  /** The tail of the log of the Job's newest pod; rejects with an error that says why not. */
  private async read(hook: PlexdHook, job: Job, selector: string, tailLines: number): Promise<string> {
    const { namespace } = hook.metadata;
    const pod = newestPod(await this.client.listPods(namespace, selector));
    if (!pod?.metadata?.name) throw new Error(`Job ${job.metadata?.name} has no pod`);
    const node = pod.spec?.nodeName ?? hook.status?.nodeName ?? "";
    const where = `the log of pod ${pod.metadata.name} on node ${node}`;
    const now = this.now().getTime();
    for (const [name, { until }] of this.silent) if (until <= now) this.silent.delete(name);
    const silent = this.silent.get(node);
    if (silent) throw new Error(`${where} was not asked for: the node's kubelet did not answer a moment ago (${silent.error})`);
    try {
      return await this.client.podLog(namespace, pod.metadata.name, CONTAINER_NAME, { tailLines, limitBytes: FETCH_LIMIT_BYTES });
    } catch (err) {
      if (isTransient(err)) this.silent.set(node, { until: now + KUBELET_SKIP_MS, error: errorText(err) });
      throw new Error(`${where} could not be read: ${errorText(err)}`, { cause: err });
    }
  }
}
