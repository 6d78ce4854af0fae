// A hook's container log, found through its Job (the pods carrying the Job's controller-uid), as lines.

import { CONTAINER_NAME } from "../../constants.ts";
import { newestPod, podSelector } from "../../core/pods.ts";
import type { PlexdHook, Pod } from "../../core/types.ts";
import { errorText, isForbidden } from "../../kube/errors.ts";
import type { LogSource, RunClient } from "./client.ts";

/** Why no log can be shown, in one line for a person. */
export class NoLog extends Error {
  override name = "NoLog";
}

/** The hook's newest pod, or a NoLog saying why there is none (no Job yet, Job gone, not allowed to look). */
async function hookPod(client: Pick<RunClient, "getJob" | "listPods">, hook: PlexdHook): Promise<Pod> {
  const { namespace } = hook.metadata;
  const jobName = hook.status?.jobName;
  if (!jobName) throw new NoLog(`no log shown: hook ${hook.metadata.name} has no Job yet`);
  try {
    const job = await client.getJob(namespace, jobName);
    const selector = job && podSelector(job);
    if (!selector) throw new NoLog(`no log shown: the hook's Job ${jobName} is gone`);
    const newest = newestPod(await client.listPods(namespace, selector));
    if (!newest) throw new NoLog(`no log shown: the hook's Job ${jobName} has no pod`);
    return newest;
  } catch (err) {
    throw asNoLog(err, namespace);
  }
}

/** Turns a failed lookup or log request into the one line a person reads instead of the log. */
function asNoLog(err: unknown, namespace: string): NoLog {
  if (err instanceof NoLog) return err;
  if (isForbidden(err)) {
    const detail = errorText(err).replace(/^[A-Z]+ \S+: /, "");
    return new NoLog(
      `no log shown: you may not read the hook's Job, pods or pods/log in namespace ${namespace} (${detail}); the phase and exit code come from the PlexdHook`,
    );
  }
  return new NoLog(`no log shown: ${errorText(err)}`);
}

/** Splits text chunks into lines; a last line without a newline is yielded at the end. */
async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of chunks) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    yield* parts;
  }
  if (rest) yield rest;
}

/** The hook container's log lines. Throws NoLog with the reason when there is no log to show. */
export async function* hookLogLines(
  client: Pick<RunClient, "getJob" | "listPods"> & LogSource,
  hook: PlexdHook,
  options: { follow: boolean; signal: AbortSignal },
): AsyncGenerator<string> {
  const pod = await hookPod(client, hook);
  const { namespace } = hook.metadata;
  try {
    yield* lines(client.podLog(namespace, pod.metadata?.name ?? "", CONTAINER_NAME, options));
  } catch (err) {
    if (options.signal.aborted) return;
    throw asNoLog(err, namespace);
  }
}
