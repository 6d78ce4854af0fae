// The webhook's HTTP(S) server: POST /customize, /sync, /finalize, plus /healthz, /readyz and /metrics.

import type { Server } from "bun";
import type { Logger } from "pino";
import { parseAddress } from "../observe/http.ts";
import type { CertificateFiles } from "./certificate.ts";
import { HOOKS } from "./hooks.ts";
import type { ErrorReason, WebhookMetrics } from "./metrics.ts";
import { ShapeError } from "./parse.ts";
import { ReloadingServer } from "./reloading-server.ts";
import type { HookKind } from "./wire.ts";

/** @internal Larger bodies are refused (413): a PlexdHook with its Job, pods and related objects is far smaller. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface WebhookDeps {
  logger: Logger;
  metrics: WebhookMetrics;
  now?: () => Date;
}

class TooLarge extends Error {}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** The body as text, refused past MAX_BODY_BYTES whether or not the client declared its length. */
async function readBody(request: Request): Promise<string> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw new TooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new TooLarge();
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

async function answerHook(hook: HookKind, request: Request, deps: WebhookDeps): Promise<[Response, ErrorReason?]> {
  if (request.method !== "POST")
    return [json({ error: `${request.method} not allowed: use POST` }, 405, { allow: "POST" }), "bad_method"];
  let text: string;
  try {
    text = await readBody(request);
  } catch (err) {
    if (err instanceof TooLarge) return [json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413), "too_large"];
    throw err;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return [json({ error: `request body is not JSON: ${(err as Error).message}` }, 400), "not_json"];
  }
  try {
    return [json(HOOKS[hook](body, deps.now?.() ?? new Date()))];
  } catch (err) {
    if (err instanceof ShapeError) return [json({ error: err.message, field: err.field }, 422), "bad_shape"];
    throw err;
  }
}

/** Answers one request; never throws (a bug is a 500, logged, and the server carries on). */
async function handleWebhook(request: Request, deps: WebhookDeps): Promise<Response> {
  const { pathname } = new URL(request.url);
  const hook = pathname.slice(1);
  if (!Object.hasOwn(HOOKS, hook)) return handleProbe(pathname, request, deps);
  const started = performance.now();
  let response: Response;
  let reason: ErrorReason | undefined;
  try {
    [response, reason] = await answerHook(hook as HookKind, request, deps);
  } catch (err) {
    deps.logger.error({ hook, error: (err as Error).stack ?? String(err) }, "webhook request failed");
    [response, reason] = [json({ error: `internal error: ${(err as Error).message}` }, 500), "internal"];
  }
  const { metrics } = deps;
  metrics.requests.inc({ hook, code: String(response.status) });
  metrics.seconds.observe({ hook }, (performance.now() - started) / 1000);
  if (reason) {
    metrics.errors.inc({ hook, reason });
    if (reason !== "internal") deps.logger.warn({ hook, status: response.status, reason }, "webhook request refused");
  }
  return response;
}

async function handleProbe(pathname: string, request: Request, deps: WebhookDeps): Promise<Response> {
  const known = ["/healthz", "/livez", "/readyz", "/metrics"];
  if (!known.includes(pathname)) return json({ error: `no such path: ${pathname} (hooks: /customize, /sync, /finalize)` }, 404);
  if (request.method !== "GET" && request.method !== "HEAD")
    return json({ error: `${request.method} not allowed` }, 405, { allow: "GET, HEAD" });
  if (pathname !== "/metrics") return new Response("ok\n");
  const { registry } = deps.metrics;
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}

export interface WebhookServerOptions extends WebhookDeps {
  addr: string;
  tls?: CertificateFiles;
  /** How often the certificate's files are read for a change (default CERTIFICATE_CHECK_MS). */
  checkMs?: number;
}

/** What a caller does with the server: where it listens, and stopping it. */
export type WebhookServer = Pick<Server<undefined>, "url" | "port" | "stop">;

/**
 * Serves the hooks on `addr`; over HTTPS when given a certificate and key, then reloading them when
 * the files change (see ReloadingServer). Stop it with server.stop().
 */
export function serveWebhook(options: WebhookServerOptions): WebhookServer {
  const { addr, tls, checkMs, ...deps } = options;
  const handlers = {
    ...parseAddress(addr),
    // Above the hooks' own limit, so a too large body still gets the hook's 413 with its message.
    maxRequestBodySize: MAX_BODY_BYTES * 2,
    fetch: (request: Request) => handleWebhook(request, deps),
    error(err: Error) {
      deps.logger.error({ error: err.stack ?? String(err) }, "webhook server error");
      return json({ error: "internal error" }, 500);
    },
  };
  if (!tls) return Bun.serve(handlers);
  return new ReloadingServer({ ...handlers, files: tls, checkMs, logger: deps.logger, metrics: deps.metrics }).start();
}
