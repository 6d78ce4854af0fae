// The probe and metrics server: /healthz, /readyz (after the first full list) and /metrics.

import type { Server } from "bun";
import type { Registry } from "prom-client";

export interface HealthSources {
  ready: () => boolean;
  registry: Registry;
}

/** ":8081" → all interfaces, "127.0.0.1:0" → a free loopback port. */
export function parseAddress(addr: string): { hostname: string; port: number } {
  const at = addr.lastIndexOf(":");
  const host = at >= 0 ? addr.slice(0, at) : "";
  const port = Number(at >= 0 ? addr.slice(at + 1) : addr);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`Invalid address, want HOST:PORT: ${addr}`);
  return { hostname: host.replace(/^\[|\]$/g, "") || "0.0.0.0", port };
}

export function serveHealth(addr: string, sources: HealthSources): Server<undefined> {
  return Bun.serve({
    ...parseAddress(addr),
    async fetch(request) {
      const { pathname } = new URL(request.url);
      switch (pathname) {
        case "/healthz":
        case "/livez":
          return new Response("ok\n");
        case "/readyz":
          return sources.ready()
            ? new Response("ok\n")
            : new Response("not ready: waiting for the first list of PlexdHooks and Jobs\n", { status: 503 });
        case "/metrics":
          return new Response(await sources.registry.metrics(), { headers: { "content-type": sources.registry.contentType } });
        default:
          return new Response("not found\n", { status: 404 });
      }
    },
  });
}
