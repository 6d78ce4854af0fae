// Records Kubernetes Events on a PlexdHook; best effort, never in the way of the reconcile.

import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION, KIND } from "../constants.ts";
import type { PlexdHook } from "../core/types.ts";
import type { KubeClient } from "../kube/client.ts";

export type EventType = "Normal" | "Warning";

export function buildEvent(hook: PlexdHook, type: EventType, reason: string, message: string, host: string, now: Date): CoreV1Event {
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

  record(hook: PlexdHook, type: EventType, reason: string, message: string): void {
    const event = buildEvent(hook, type, reason, message, this.host, this.now());
    this.client.createEvent(event).catch((err: unknown) => {
      this.logger.debug({ hook: hook.metadata.name, reason, error: err instanceof Error ? err.message : String(err) }, "event not recorded");
    });
  }
}
