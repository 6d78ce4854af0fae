// Which Events to send, and as what, the way client-go's recorder decides: count repeats, combine similar ones, limit spam.
//
// - An Event identical to an earlier one (same source, object, type, reason and message) updates that
//   Event: its count and lastTimestamp rise, and no new object is made.
// - Events of one object with the same type and reason but SIMILAR_MAX different messages within
//   SIMILAR_WINDOW_MS of each other are folded into one "(combined from similar events): …" Event,
//   which every further such Event updates, until the group has been quiet for the window.
// - Each object may have SPAM_BURST Events, then one per SPAM_REFILL_MS (a token bucket): a hook stuck
//   for days does not post an Event per look. This is the only place an Event is dropped; its count
//   still rises, so the next Event sent carries it. The Events of a hook's phases (JobCreated,
//   HookRunning, HookSucceeded, HookFailed: at most four a hook) are never held back, so a stuck hook's
//   repeated Warnings cannot use up the tokens its outcome needs.
// Every cache is an LRU of CACHE_SIZE entries, so memory does not grow with the hooks ever seen.

import type { CoreV1Event } from "@kubernetes/client-node";
import { REASON_HOOK_FAILED, REASON_HOOK_RUNNING, REASON_HOOK_SUCCEEDED, REASON_JOB_CREATED } from "../core/reasons.ts";
import { Lru } from "./lru.ts";

export const CACHE_SIZE = 4096;
/** @internal */
export const SIMILAR_MAX = 10;
/** @internal */
export const SIMILAR_WINDOW_MS = 10 * 60_000;
/** @internal */
export const SPAM_BURST = 25;
/** @internal */
export const SPAM_REFILL_MS = 5 * 60_000;
/** @internal */
export const COMBINED_PREFIX = "(combined from similar events): ";
/** Phase Events: each at most once a hook, never held back by the spam filter. */
const PHASES = new Set([REASON_JOB_CREATED, REASON_HOOK_RUNNING, REASON_HOOK_SUCCEEDED, REASON_HOOK_FAILED]);

/** What to send: `event` under its correlation `key`; a count above 1 means the Event already exists. */
export interface Correlated {
  key: string;
  event: CoreV1Event;
}

const join = (...parts: Array<string | undefined>): string => parts.map((part) => part ?? "").join("\u0000");

/** Who posts about which object: the spam filter's key, and the start of every other. */
function objectKey(event: CoreV1Event): string {
  const { kind, namespace, name, uid, apiVersion } = event.involvedObject;
  return join(event.source?.component, event.source?.host, kind, namespace, name, uid, apiVersion);
}

/** Events that differ at most by message belong to one group. */
function groupKey(event: CoreV1Event): string {
  return join(objectKey(event), event.type, event.reason, event.reportingComponent, event.reportingInstance);
}

export class EventCorrelator {
  private readonly groups = new Lru<string, { messages: Set<string>; lastMs: number }>(CACHE_SIZE);
  private readonly seen = new Lru<string, { name: string; firstTimestamp: CoreV1Event["firstTimestamp"]; count: number }>(
    CACHE_SIZE,
  );
  private readonly buckets = new Lru<string, { tokens: number; atMs: number }>(CACHE_SIZE);

  constructor(private readonly now: () => Date) {}

  /** The Event to send for `event`, or undefined when the spam filter holds it back. */
  correlate(event: CoreV1Event): Correlated | undefined {
    const combined = this.combine(event);
    const key = combined ? groupKey(event) : join(groupKey(event), event.message);
    const sent: CoreV1Event = combined ?? { ...event };
    const last = this.seen.get(key);
    if (last) {
      sent.metadata = { ...sent.metadata, name: last.name };
      sent.firstTimestamp = last.firstTimestamp;
      sent.count = last.count + 1;
    }
    this.seen.set(key, { name: sent.metadata.name as string, firstTimestamp: sent.firstTimestamp, count: sent.count ?? 1 });
    return PHASES.has(event.reason ?? "") || this.allow(event) ? { key, event: sent } : undefined;
  }

  /** The combined Event replacing `event` once its group has had SIMILAR_MAX messages lately; else undefined. */
  private combine(event: CoreV1Event): CoreV1Event | undefined {
    const now = this.now().getTime();
    const key = groupKey(event);
    const previous = this.groups.get(key);
    const group =
      previous && now - previous.lastMs <= SIMILAR_WINDOW_MS ? previous : { messages: new Set<string>(), lastMs: now };
    // The set stops growing at the threshold: past it, every message of the group is combined anyway.
    if (group.messages.size < SIMILAR_MAX) group.messages.add(event.message ?? "");
    group.lastMs = now;
    this.groups.set(key, group);
    if (group.messages.size < SIMILAR_MAX) return undefined;
    const time = new Date(now).toISOString() as unknown as Date;
    return {
      ...event,
      message: `${COMBINED_PREFIX}${event.message}`,
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
    };
  }

  /** Takes a token from the object's bucket (SPAM_BURST, refilled one per SPAM_REFILL_MS), or says there is none. */
  private allow(event: CoreV1Event): boolean {
    const now = this.now().getTime();
    const key = objectKey(event);
    const bucket = this.buckets.get(key) ?? { tokens: SPAM_BURST, atMs: now };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + (now - bucket.atMs) / SPAM_REFILL_MS);
    bucket.atMs = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens--;
    this.buckets.set(key, bucket);
    return allowed;
  }
}
