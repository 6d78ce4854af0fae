// Records Kubernetes Events on a PlexdHook, counting repeats like client-go; best effort, never in the way of the reconcile.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION, KIND } from "../constants.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText, isAlreadyExists, isNotFound } from "../kube/errors.ts";
import { CACHE_SIZE, EventCorrelator } from "./event-correlator.ts";
import { Lru } from "./lru.ts";

export type EventType = "Normal" | "Warning";

/** @internal */
export function buildEvent(
  hook: PlexdHook,
  type: EventType,
  reason: string,
  message: string,
  host: string,
  now: Date,
): CoreV1Event {
  const { name, namespace, uid, resourceVersion } = hook.metadata;
  const time = now.toISOString() as unknown as Date;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`, namespace },
    involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid, resourceVersion },
    reason,
    message,
    type,
    source: { component: "plexd-hook", host },
    reportingComponent: "plexd-hook",
    reportingInstance: host,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

/** At most this many Events wait to be sent; past it the newest are dropped, with a warning. */
const MAX_QUEUED = 10_000;
/** Events sent at once: in a burst they wait behind the Jobs and statuses that matter more. */
const CONCURRENCY = 2;
/** Events that could not be sent are said at warn level at most this often, with how many since the last time. */
const WARN_EVERY_MS = 60_000;

/**
 * Sends Events the way client-go's recorder does (see EventCorrelator): a repeat updates the Event it
 * repeats with one PATCH instead of making another. Events wait in a queue, a couple sent at a time;
 * repeats of an Event still waiting are folded into it, so it is sent once with the latest count.
 */
export class EventRecorder {
  private readonly correlator: EventCorrelator;
  /** Keys waiting to be sent, oldest first; the Event to send for each. */
  private readonly queue: string[] = [];
  private readonly next = new Map<string, CoreV1Event>();
  /** Keys being sent: a repeat waits for the answer, so its PATCH never overtakes its create. */
  private readonly sending = new Set<string>();
  /** The name of the Event the API server holds for each key. */
  private readonly stored = new Lru<string, string>(CACHE_SIZE);
  private overflowing = false;
  /** Events not sent since the last warning about it, and when that was (the recorder's clock, ms). */
  private unsent = 0;
  private warnedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: KubeClient,
    private readonly host: string,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {
    this.correlator = new EventCorrelator(now);
  }

  record(hook: PlexdHook, type: EventType, reason: string, message: string): void {
    const correlated = this.correlator.correlate(buildEvent(hook, type, reason, message, this.host, this.now()));
    if (!correlated) {
      this.logger.debug({ hook: hook.metadata.name, reason }, "event not sent: too many about this hook lately");
      return;
    }
    const { key, event } = correlated;
    if (!this.next.has(key) && !this.sending.has(key)) {
      if (this.queue.length >= MAX_QUEUED) {
        this.overflow(hook, reason);
        return;
      }
      this.queue.push(key);
    }
    this.overflowing = false;
    this.next.set(key, event);
    this.sendQueued();
  }

  private overflow(hook: PlexdHook, reason: string): void {
    const line = { hook: hook.metadata.name, reason, queued: this.queue.length };
    // Said once per spell: the API server is not taking Events, and a line per Event would not help.
    this.logger[this.overflowing ? "debug" : "warn"](line, "event dropped: too many waiting to be sent");
    this.overflowing = true;
  }

  /** Sends the queued Events, at most CONCURRENCY at once; each send that ends starts the next. */
  private sendQueued(): void {
    while (this.sending.size < CONCURRENCY && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      const event = this.next.get(key) as CoreV1Event;
      this.next.delete(key);
      this.sending.add(key);
      this.send(key, event)
        .catch((err: unknown) => this.unsendable(event, err))
        .finally(() => {
          this.sending.delete(key);
          if (this.next.has(key)) this.queue.push(key);
          this.sendQueued();
        });
    }
  }

  /** An Event the API server did not take: a missing RBAC rule or an overloaded server should be seen, but not once per Event. */
  private unsendable(event: CoreV1Event, err: unknown): void {
    this.unsent++;
    const line = { hook: event.involvedObject.name, reason: event.reason, error: errorText(err), unsent: this.unsent };
    const now = this.now().getTime();
    if (now - this.warnedAt < WARN_EVERY_MS) {
      this.logger.debug(line, "event not recorded");
      return;
    }
    this.logger.warn(line, "events not recorded (unsent: how many since this was last said)");
    this.warnedAt = now;
    this.unsent = 0;
  }

  /** Updates the Event the API server holds for `key`, or creates it (again, if it expired meanwhile). */
  private async send(key: string, event: CoreV1Event): Promise<void> {
    const name = event.metadata.name as string;
    const namespace = event.metadata.namespace as string;
    const update = { count: event.count ?? 1, lastTimestamp: event.lastTimestamp, message: event.message ?? "" };
    if (this.stored.get(key) === name) {
      try {
        await this.client.patchEvent(namespace, name, update);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    try {
      await this.client.createEvent(event);
    } catch (err) {
      // Made by an earlier attempt whose answer was lost.
      if (!isAlreadyExists(err)) throw err;
      await this.client.patchEvent(namespace, name, update);
    }
    this.stored.set(key, name);
  }
}
