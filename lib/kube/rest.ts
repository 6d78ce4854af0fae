// A thin REST layer over a ClusterAccess: JSON requests and watch streams on Bun's fetch.

import { CredentialSource, type Credentials, type Tls } from "./credentials.ts";
import { ApiError, errorText } from "./errors.ts";
import type { ClusterAccess } from "./kubeconfig.ts";

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** The Accept header; JSON unless said otherwise (a pod log is text). */
  accept?: string;
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** The reason of an ApiError raised when the kubeconfig's credentials cannot be had (plugin, files). */
export const CREDENTIALS_UNAVAILABLE = "CredentialsUnavailable";
/** Auth headers (exec plugins, rotated token files) are fetched again after this long or after a 401. */
const HEADER_TTL_MS = 5_000;

/**
 * The timeout signal of every request started within the same second: between 29 and 30 s each, at one
 * timer a second instead of one per request (a burst starts thousands).
 */
let shared: { at: number; signal: AbortSignal } | undefined;
function sharedTimeout(): AbortSignal {
  // The monotonic clock: a wall clock stepped back would keep handing out a signal that has fired.
  const now = performance.now();
  if (!shared || shared.signal.aborted || now - shared.at >= 1_000) {
    shared = { at: now, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  }
  return shared.signal;
}

/** Turns an API server Status body (or anything else) into an ApiError. */
async function errorFromResponse(response: Response, what: string): Promise<ApiError> {
  const body = await response.text().catch(() => "");
  let message = body.trim() || response.statusText || `HTTP ${response.status}`;
  let reason = response.statusText || "Unknown";
  let causes: Array<{ reason?: string; message?: string }> = [];
  try {
    const status = JSON.parse(body) as { message?: string; reason?: string; details?: { causes?: typeof causes } };
    if (status.message) message = status.message;
    if (status.reason) reason = status.reason;
    causes = status.details?.causes ?? [];
  } catch {
    // Not a Status object: keep the raw text.
  }
  return new ApiError(`${what}: ${message}`, response.status, reason, { causes });
}

export class Rest {
  readonly server: string;
  private readonly credentials: CredentialSource;
  private tls: Tls | undefined;
  private headers: Record<string, string> | undefined;
  private headersAt = 0;
  /** The credentials being fetched, shared by every request that needs them meanwhile (one exec plugin run). */
  private fetching: Promise<Credentials> | undefined;

  constructor(access: ClusterAccess) {
    this.server = access.cluster.server.replace(/\/+$/, "");
    this.credentials = new CredentialSource(access);
  }

  private async auth(refresh = false): Promise<{ tls: Tls; headers: Record<string, string> }> {
    if (!refresh && this.tls && this.headers && Date.now() - this.headersAt < HEADER_TTL_MS) {
      return { tls: this.tls, headers: this.headers };
    }
    this.fetching ??= this.credentials.get(refresh).finally(() => {
      this.fetching = undefined;
    });
    const { tls, headers } = await this.fetching;
    // Rebuilt on refresh too: an exec plugin may hand out short-lived client certificates.
    if (refresh || !this.tls) this.tls = tls;
    this.headers = headers;
    this.headersAt = Date.now();
    return { tls: this.tls, headers };
  }

  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const key in query) {
      const value = query[key];
      if (value !== undefined && value !== "") params.set(key, String(value));
    }
    const search = params.toString();
    return search ? `${this.server}${path}?${search}` : this.server + path;
  }

  private async fetch(method: string, path: string, options: RequestOptions, stream: boolean): Promise<Response> {
    const url = this.url(path, options.query);
    const what = `${method} ${path}`;
    for (let attempt = 0; ; attempt++) {
      const { tls, headers } = await this.auth(attempt > 0).catch((err) => {
        // An exec plugin that fails or a certificate file being rotated is as passing as a server
        // that does not answer: transient (status 0), never a reason to fail a hook for good.
        throw new ApiError(`${what}: cannot get credentials: ${errorText(err)}`, 0, CREDENTIALS_UNAVAILABLE, { cause: err });
      });
      const timeout = sharedTimeout();
      const init: RequestInit & { tls?: Tls; timeout?: boolean } = {
        method,
        headers: { accept: options.accept ?? "application/json", ...headers },
        tls,
        signal: stream ? options.signal : options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      };
      // Bun otherwise ends a response body after 300 s without data; the watch has its own watchdog.
      if (stream) init.timeout = false;
      if (options.body !== undefined) {
        init.body = JSON.stringify(options.body);
        (init.headers as Record<string, string>)["content-type"] = options.contentType ?? "application/json";
      }
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw new ApiError(`${what}: cannot reach the API server at ${this.server}: ${errorText(err)}`, 0, "Unreachable", {
          cause: err,
        });
      }
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) throw await errorFromResponse(response, what);
      return response;
    }
  }

  /** Sends one JSON request and returns the decoded answer. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetch(method, path, options, false);
    try {
      return (await response.json()) as T;
    } catch (err) {
      // A body cut off by a timeout or a dropped connection is as transient as no answer at all.
      throw new ApiError(`${method} ${path}: reading the answer failed: ${(err as Error).message}`, 0, "Unreachable", {
        cause: err,
      });
    }
  }

  /** Sends one request whose answer nobody reads (an Event): the body is drained, not decoded. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    const response = await this.fetch(method, path, options, false);
    // Read to the end all the same, so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
  }

  /** Opens a watch and yields each decoded line until the server ends the stream. */
  async *stream<T>(path: string, options: RequestOptions): AsyncGenerator<T> {
    const response = await this.fetch("GET", path, options, true);
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
  }

  /**
   * Opens a text stream (a pod log) and yields its chunks as they come. `connectTimeoutMs` bounds the
   * wait for the answer's headers only, since a followed log may rightly stay quiet for hours.
   */
  async *text(path: string, options: RequestOptions & { connectTimeoutMs?: number }): AsyncGenerator<string> {
    const connect = new AbortController();
    const timer =
      options.connectTimeoutMs === undefined
        ? undefined
        : setTimeout(() => connect.abort(new Error(`no answer in ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    const signal = AbortSignal.any([connect.signal, ...(options.signal ? [options.signal] : [])]);
    let response: Response;
    try {
      response = await this.fetch("GET", path, { ...options, accept: options.accept ?? "*/*", signal }, true);
    } catch (err) {
      if (connect.signal.aborted && !options.signal?.aborted) {
        throw new ApiError(`GET ${path}: ${errorText(connect.signal.reason)}`, 0, "Timeout", { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (!response.body) return;
    const decoder = new TextDecoder();
    for await (const chunk of response.body) yield decoder.decode(chunk, { stream: true });
    const rest = decoder.decode();
    if (rest) yield rest;
  }
}
