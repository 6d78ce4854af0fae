// Records Kubernetes Events on a PlexdHook; best effort, never in the way of the reconcile.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION, KIND } from "../constants.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { errorText } from "../kube/errors.ts";

export type EventType = "Normal" | "Warning";

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

export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly host: string,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  private readonly queue: CoreV1Event[] = [];
  private sending = 0;

  /**
   * Queues the Event; a couple are sent at a time, so in a burst they wait behind the Jobs and
   * statuses that matter more instead of competing with them at the API server.
   */
  record(hook: PlexdHook, type: EventType, reason: string, message: string): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.logger.debug({ hook: hook.metadata.name, reason }, "event dropped: too many queued");
      return;
    }
    this.queue.push(buildEvent(hook, type, reason, message, this.host, this.now()));
    this.pump();
  }

  private pump(): void {
    while (this.sending < CONCURRENCY && this.queue.length > 0) {
      const event = this.queue.shift() as CoreV1Event;
      this.sending++;
      this.client
        .createEvent(event)
        .catch((err: unknown) => {
          this.logger.debug(
            { hook: event.involvedObject.name, reason: event.reason, error: errorText(err) },
            "event not recorded",
          );
        })
        .finally(() => {
          this.sending--;
          this.pump();
        });
    }
  }
}

const CONCURRENCY = 2;
const MAX_QUEUED = 10_000;
