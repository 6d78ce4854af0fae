// The rollout duty: informers on rollouts, their hooks and Nodes; one level-based reconcile per rollout key.

import type { Logger } from "pino";
import { LABEL_ROLLOUT } from "../../constants.ts";
import type { RetryConfig } from "../../controller/config.ts";
import { type Outcome, Retry, WorkQueue } from "../../controller/work-queue.ts";
import { keyOf } from "../../core/names.ts";
import type { PlexdHook } from "../../core/types.ts";
import type { WatchEvent } from "../../kube/client.ts";
import { errorText, isAlreadyExists, isConflict, isNotFound, isTransient, isUnauthorizedByRbac } from "../../kube/errors.ts";
import type { Metrics } from "../../observe/metrics.ts";
import type { Duty } from "../fleet.ts";
import type { RolloutClient } from "./client.ts";
import { Expectations } from "./expectations.ts";
import { buildRolloutHook, ownedBy } from "./hook.ts";
import type { Refusal } from "./ledger.ts";
import { planRollout } from "./plan.ts";
import type { PlexdRollout, RolloutNode } from "./types.ts";

export interface RolloutControllerOptions {
  client: RolloutClient;
  /** The namespace whose rollouts this controller runs. */
  namespace: string;
  logger: Logger;
  now?: () => Date;
  workers?: number;
  retry?: RetryConfig;
  /** The rollout gauges read this duty's rollouts while it runs. */
  metrics?: Metrics;
}

const ENDED = new Set(["Succeeded", "Failed"]);
/** A key waiting for its writes to show up looks again this often, in case they never do (they expire). */
const EXPECTATIONS_RECHECK_MS = 1_000;
/** After a refused create, the next reconcile writes the refusal into the status. */
const REFUSED_RECHECK_MS = 100;

/** A create the API server will refuse again however often it is asked: admission, quota, an invalid object. */
const isRefusal = (err: unknown): boolean => !isTransient(err) && !isUnauthorizedByRbac(err) && !isAlreadyExists(err);

export class RolloutController implements Duty {
  readonly name = "rollouts";
  private readonly rollouts = new Map<string, PlexdRollout>();
  /** Hooks by rollout key, then by hook name. */
  private readonly hooks = new Map<string, Map<string, PlexdHook>>();
  private readonly nodes = new Map<string, RolloutNode>();
  /** Creates refused since the status was last written, by rollout key then node (the status keeps them after). */
  private readonly refused = new Map<string, Map<string, Refusal>>();
  private readonly expectations = new Expectations();
  private queue: WorkQueue;
  private readonly options: RolloutControllerOptions;
  private readonly now: () => Date;
  private synced = 0;

  constructor(options: RolloutControllerOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.queue = this.newQueue();
  }

  private newQueue(): WorkQueue {
    return new WorkQueue({ workers: this.options.workers ?? 4, retry: this.options.retry ?? { baseMs: 200, maxMs: 30_000 } });
  }

  /** True once every informer has delivered its first full list. */
  get ready(): boolean {
    return this.synced === 3;
  }

  /** Runs until `signal` aborts; rejects when a watch cannot be set up. */
  async run(signal: AbortSignal): Promise<void> {
    const { client, namespace } = this.options;
    // Every run starts from full lists: nothing of an earlier one is trusted.
    for (const cache of [this.rollouts, this.hooks, this.nodes, this.refused]) cache.clear();
    this.expectations.clear();
    this.synced = 0;
    this.queue = this.newQueue();
    const [rollouts, hooks, nodes] = await Promise.all([
      client.watchRollouts(namespace, signal),
      client.watchRolloutHooks(namespace, signal),
      client.watchNodes(signal),
    ]);
    const informers = [
      this.inform(rollouts, (e) => this.onRollout(e)),
      this.inform(hooks, (e) => this.onHook(e)),
      this.inform(nodes, (e) => this.onNode(e)),
    ];
    this.options.metrics?.countRolloutsWith(() => this.rollouts.values());
    try {
      await Promise.all([this.queue.run((key) => this.reconcile(key), signal), ...informers]);
    } finally {
      // Another process (the Lease's next holder) reports them from now on.
      this.options.metrics?.countRolloutsWith(() => []);
    }
  }

  private async inform<T>(
    stream: AsyncIterable<WatchEvent<T>>,
    handle: (event: Exclude<WatchEvent<T>, { type: "SYNCED" }>) => void,
  ) {
    let first = true;
    for await (const event of stream) {
      if (event.type !== "SYNCED") handle(event);
      else if (first) {
        first = false;
        if (++this.synced === 3) for (const key of this.rollouts.keys()) this.queue.add(key);
      }
    }
  }

  private enqueue(key: string): void {
    if (this.ready) this.queue.add(key);
  }

  private onRollout(event: Exclude<WatchEvent<PlexdRollout>, { type: "SYNCED" }>): void {
    const key = keyOf(event.object);
    if (event.type === "DELETED") {
      this.rollouts.delete(key);
      this.refused.delete(key);
      this.expectations.forget(key);
    } else {
      this.rollouts.set(key, event.object);
      this.expectations.observeVersion(key, event.object.metadata.resourceVersion);
    }
    this.enqueue(key);
  }

  private onHook(event: Exclude<WatchEvent<PlexdHook>, { type: "SYNCED" }>): void {
    const hook = event.object;
    // A DELETED event from a relist carries only the name: find the rollout by where the hook was.
    const owner = hook.metadata.labels?.[LABEL_ROLLOUT];
    const keys = owner ? [`${hook.metadata.namespace}/${owner}`] : [...this.hooks.keys()];
    for (const key of keys) {
      let byName = this.hooks.get(key);
      if (event.type === "DELETED") {
        if (!byName?.delete(hook.metadata.name)) continue;
      } else {
        byName ??= new Map();
        byName.set(hook.metadata.name, hook);
        this.hooks.set(key, byName);
      }
      this.expectations.observe(key, hook.metadata.name);
      this.enqueue(key);
    }
  }

  private onNode(event: Exclude<WatchEvent<RolloutNode>, { type: "SYNCED" }>): void {
    const { name } = event.object;
    const before = this.nodes.get(name);
    if (event.type === "DELETED") this.nodes.delete(name);
    else this.nodes.set(name, event.object);
    // A heartbeat changes nothing a rollout reads: only a change in labels, readiness or cordon counts.
    if (event.type !== "DELETED" && before && Bun.deepEquals(before, event.object)) return;
    for (const [key, rollout] of this.rollouts) if (!ENDED.has(rollout.status?.phase ?? "")) this.enqueue(key);
  }

  /** Reads the rollout, its hooks and the Nodes from the caches, writes the status, creates the hooks whose turn it is. */
  async reconcile(key: string): Promise<Outcome> {
    const rollout = this.rollouts.get(key);
    if (!rollout) return;
    // Until our last writes are in the caches, a plan would undercount what runs or rewrite an old status.
    if (this.expectations.pending(key, this.now().getTime())) return { requeueAfterMs: EXPECTATIONS_RECHECK_MS };
    const hooks = [...(this.hooks.get(key)?.values() ?? [])].filter((hook) => ownedBy(hook, rollout));
    const refused = this.refused.get(key);
    const plan = planRollout({ rollout, nodes: [...this.nodes.values()], hooks, refused, now: this.now() });
    const { client, logger } = this.options;
    if (!Bun.deepEquals(rollout.status ?? {}, plan.status)) {
      try {
        const written = await client.updateRolloutStatus(rollout, plan.status);
        this.expectations.expectVersion(key, written.metadata.resourceVersion, this.now().getTime());
      } catch (err) {
        if (isNotFound(err)) return;
        // Our cache is behind the server: the watch brings the newer rollout and with it another try.
        if (isConflict(err)) throw new Retry(errorText(err));
        throw err;
      }
    }
    let refusedNow = false;
    for (const node of plan.start) {
      const hook = buildRolloutHook(rollout, node);
      this.expectations.expect(key, hook.metadata.name, this.now().getTime());
      try {
        await client.createHook(hook);
        logger.info({ rollout: key, node, hook: hook.metadata.name }, "rollout hook created");
      } catch (err) {
        if (!isAlreadyExists(err)) {
          this.expectations.observe(key, hook.metadata.name);
          logger.error({ rollout: key, node, error: errorText(err) }, "rollout hook creation failed");
          if (!isRefusal(err)) throw err;
          // Asking again gets the same answer: the node fails, and the status says what refused it.
          const byNode = this.refused.get(key) ?? new Map<string, Refusal>();
          byNode.set(node, { message: errorText(err), at: this.now().toISOString() });
          this.refused.set(key, byNode);
          refusedNow = true;
          continue;
        }
        // The name is the lock: if it is this rollout's hook, it ran or runs already.
        const existing = await client.getHook(rollout.metadata.namespace, hook.metadata.name);
        if (!existing || !ownedBy(existing, rollout)) {
          this.expectations.observe(key, hook.metadata.name);
          logger.error({ rollout: key, node, hook: hook.metadata.name }, "rollout hook name taken by a hook of another owner");
        }
      }
    }
    if (refusedNow) return { requeueAfterMs: REFUSED_RECHECK_MS };
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }
}
