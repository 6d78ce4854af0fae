// A benchmark run: one local control plane with plexd-hook installed, the admin client and the results so far.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Rest } from "../../lib/kube/rest.ts";
import { type Cluster, type StartOptions, startCluster } from "../../tests/cluster/cluster.ts";
import { type Setup, setUp } from "../../tests/e2e/support/cluster.ts";
import { type Actor, type ActorKind, type ActorScope, buildGoPeer, startActor } from "./actors.ts";
import { restFor } from "./api.ts";
import { Observer } from "./observer.ts";
import { loadavg, machine } from "./proc.ts";
import type { Results } from "./results.ts";

export interface Bench {
  cluster: Cluster;
  env: Setup;
  admin: Rest;
  results: Results;
  /** Starts an actor that is stopped when the run ends, if not before. */
  start(kind: ActorKind, scope: Omit<ActorScope, "kubeconfig">): Promise<Actor>;
  observe(ns: string): Promise<Observer>;
  note(text: string): void;
}

export function newResults(label?: string): Results {
  return { started: new Date(), machine: machine(), load: { before: loadavg() }, notes: [], ...(label && { label }) };
}

/** Builds what the run needs (the operator binary, the Go peer), starts a cluster, runs, and cleans up. */
export async function withBench(options: StartOptions, results: Results, run: (bench: Bench) => Promise<void>): Promise<void> {
  const repo = join(import.meta.dir, "..", "..");
  if (!existsSync(join(repo, "plexd-hook"))) {
    const build = Bun.spawn([process.execPath, "run", "scripts/build.ts"], { cwd: repo, stdout: "inherit", stderr: "inherit" });
    if ((await build.exited) !== 0) throw new Error("npm run build failed");
  }
  await buildGoPeer();
  const started = performance.now();
  const cluster = await startCluster(options);
  const actors = new Set<Actor>();
  const observers: Observer[] = [];
  try {
    const env = await setUp(cluster);
    const admin = restFor(cluster.kubeconfig);
    console.log(`cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await run({
      cluster,
      env,
      admin,
      results,
      async start(kind, scope) {
        const actor = await startActor(kind, { kubeconfig: env.operatorKubeconfig, ...scope });
        const stop = actor.stop.bind(actor);
        actors.add(actor);
        actor.stop = async () => {
          actors.delete(actor);
          const ms = await stop();
          if (actor.errors.length)
            results.notes.push(`${kind} printed ${actor.errors.length} error lines, e.g. ${actor.errors[0]}`);
          return ms;
        };
        return actor;
      },
      async observe(ns) {
        const o = await Observer.open(admin, ns);
        observers.push(o);
        return o;
      },
      note(text) {
        console.log(`note: ${text}`);
        results.notes.push(text);
      },
    });
  } finally {
    results.load.after = loadavg();
    for (const o of observers) o.close();
    await Promise.allSettled([...actors].map((a) => a.stop()));
    await cluster.stop();
  }
}
