// Prometheus metrics of the webhook: requests and latency per hook, refused or failed requests by reason, the serving certificate.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type ErrorReason = "not_json" | "bad_shape" | "too_large" | "bad_method" | "internal";

export class WebhookMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "plexd_hook_webhook_requests_total",
    help: "Requests to the Metacontroller hooks, by hook (customize, sync, finalize) and HTTP status code.",
    labelNames: ["hook", "code"] as const,
    registers: [this.registry],
  });
  readonly seconds = new Histogram({
    name: "plexd_hook_webhook_request_duration_seconds",
    help: "Time from a hook request's arrival to its answer, by hook.",
    labelNames: ["hook"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "plexd_hook_webhook_errors_total",
    help: "Hook requests answered with an error, by hook and reason (not_json, bad_shape, too_large, bad_method, internal).",
    labelNames: ["hook", "reason"] as const,
    registers: [this.registry],
  });

  readonly certificateReloads = new Counter({
    name: "plexd_hook_webhook_certificate_reloads_total",
    help: "Changes of the serving certificate's files, by result: reloaded (now served) or refused (unreadable, not PEM, or a key of another certificate; the previous one is still served).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly certificateExpiry = new Gauge({
    name: "plexd_hook_webhook_certificate_expiry_timestamp_seconds",
    help: "When the served certificate expires (its notAfter), in seconds since the epoch; absent without TLS.",
    registers: [this.registry],
  });

  /** Adds process metrics (memory, CPU, event loop); only the binary does, so tests stay quiet. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry, prefix: "plexd_hook_" });
    return this;
  }
}
