// The floor: a minimal operator run as its own process. On each ADDED hook without a Job it POSTs the Job
// (buildJob, as the operator does) and merge-patches the status, at most `concurrency` hooks at once. Nothing
// else. Prints "ready" once its watch is open, and its POST/PATCH timings as one JSON line on SIGTERM.
// Usage: bun run bench/floor.ts <kubeconfig> <namespace> <node> <concurrency>   (node "" = spec.nodeName)

import { buildJob } from "../lib/core/build-job.ts";
import type { PlexdHook } from "../lib/core/types.ts";
import { hooksPath, jobsPath, listVersion, restFor } from "./support/api.ts";
import { summary } from "./support/stats.ts";

type WatchLine = { type: string; object: PlexdHook & { message?: string } };

async function floor(kubeconfig: string, ns: string, node: string, concurrency: number): Promise<void> {
  const rest = restFor(kubeconfig);
  const stop = new AbortController();
  const postMs: number[] = [];
  const patchMs: number[] = [];
  const errors: string[] = [];
  process.on("SIGTERM", () => {
    stop.abort();
    process.stdout.write(`${JSON.stringify({ stats: { postMs: summary(postMs), patchMs: summary(patchMs), errors } })}\n`);
    process.exit(0);
  });

  const queue: PlexdHook[] = [];
  let active = 0;
  const handle = async (hook: PlexdHook): Promise<void> => {
    const target = hook.spec.nodeName || node;
    const job = buildJob(hook, target);
    let t = performance.now();
    await rest.request("POST", jobsPath(ns), { body: job });
    postMs.push(performance.now() - t);
    t = performance.now();
    await rest.request("PATCH", `${hooksPath(ns)}/${hook.metadata.name}/status`, {
      body: { status: { jobName: job.metadata?.name, phase: "Pending", nodeName: target, startedAt: new Date().toISOString() } },
      contentType: "application/merge-patch+json",
    });
    patchMs.push(performance.now() - t);
  };
  const pump = (): void => {
    while (active < concurrency && queue.length > 0) {
      const hook = queue.shift() as PlexdHook;
      active++;
      handle(hook)
        .catch((err: unknown) => {
          const text = `${hook.metadata.name}: ${err instanceof Error ? err.message : String(err)}`;
          errors.push(text);
          process.stderr.write(`floor: ${text}\n`);
        })
        .finally(() => {
          active--;
          pump();
        });
    }
  };

  let resourceVersion = await listVersion(rest, hooksPath(ns));
  // Everything created after the list's resourceVersion reaches the watch; when the server ends it, the
  // next one resumes from the last object seen.
  process.stdout.write("ready\n");
  for (;;) {
    const query = { watch: true, resourceVersion, allowWatchBookmarks: true };
    for await (const event of rest.stream<WatchLine>(hooksPath(ns), { query, signal: stop.signal })) {
      if (event.type === "ERROR") throw new Error(`floor watch: ${event.object.message}`);
      resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
      if (event.type !== "ADDED" || event.object.status?.jobName) continue;
      queue.push(event.object);
      pump();
    }
  }
}

const [kubeconfig, ns, node, concurrency] = process.argv.slice(2);
await floor(kubeconfig as string, ns as string, node ?? "", Number(concurrency ?? 16));
