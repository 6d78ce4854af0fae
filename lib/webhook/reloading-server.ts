// An HTTPS listener whose certificate follows its files: on a change a new listener on the same port takes over.
//
// Bun.serve cannot change a listener's certificate (server.reload() swaps only the handlers), so a
// new listener binds the same port with SO_REUSEPORT and the new certificate. The old one answers
// with `Connection: close` for DRAIN_MS, so clients on its keep-alive connections close them after
// their answer and reconnect, then it stops (answering what it has). Measured with six busy
// keep-alive clients: stopping it at once reset about two requests per swap (a client writing on a
// connection as it closed); draining 200 ms first reset none in 120 swaps. For those 200 ms a new
// connection may still get the old certificate, which is still valid during a rotation.

import type { Server } from "bun";
import type { Logger } from "pino";
import { type CertificateFiles, checkCertificate, readFiles, type ServingCertificate, sameFiles } from "./certificate.ts";
import type { WebhookMetrics } from "./metrics.ts";

/** @internal How often the files are read for a new certificate (a Secret volume changes within a minute or two anyway). */
export const CERTIFICATE_CHECK_MS = 5_000;
/** How long the old listener answers with Connection: close before it stops. */
const DRAIN_MS = 200;

type Handler = (request: Request) => Response | Promise<Response>;

export interface ReloadingServerOptions {
  hostname: string;
  port: number;
  files: CertificateFiles;
  fetch: Handler;
  error: (err: Error) => Response;
  maxRequestBodySize: number;
  logger: Logger;
  metrics: WebhookMetrics;
  checkMs?: number;
}

/** The response with `Connection: close`, so the client's next request opens a connection to the new listener. */
async function closing(response: Response | Promise<Response>): Promise<Response> {
  const res = await response;
  const headers = new Headers(res.headers);
  headers.set("connection", "close");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

export class ReloadingServer {
  private server: Server<undefined> | undefined;
  private certificate: ServingCertificate | undefined;
  private readonly draining = new Set<Server<undefined>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private problem: string | undefined;

  constructor(private readonly options: ReloadingServerOptions) {}

  /** Reads and checks the certificate, listens, and starts watching the files; throws if any of that fails. */
  start(): this {
    const { files } = this.options;
    const certificate = checkCertificate(readFiles(files), files);
    this.server = this.listen(certificate, this.options.port);
    this.serving(certificate);
    this.schedule();
    return this;
  }

  get url(): URL {
    return this.live().url;
  }

  get port(): number {
    return this.live().port as number;
  }

  /**
   * Serves the files' certificate if they changed and hold a valid pair; returns whether it did. A pair
   * that cannot be served (unreadable, not PEM, a key of another certificate) is logged once and the
   * current certificate stays.
   */
  private reload(): boolean {
    const { files, logger, metrics } = this.options;
    let next: ServingCertificate;
    let server: Server<undefined>;
    try {
      const pair = readFiles(files);
      if (this.certificate && sameFiles(pair, this.certificate)) {
        this.problem = undefined;
        return false;
      }
      next = checkCertificate(pair, files);
      server = this.listen(next, this.port);
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.problem) {
        metrics.certificateReloads.inc({ result: "refused" });
        logger.warn(
          { error: message, serial: this.certificate?.serial },
          "webhook certificate not reloaded, still serving the previous one",
        );
      }
      this.problem = message;
      return false;
    }
    const old = this.live();
    this.server = server;
    this.problem = undefined;
    this.serving(next);
    metrics.certificateReloads.inc({ result: "reloaded" });
    this.drain(old);
    return true;
  }

  /** Stops watching and listening; in-flight requests are answered unless closeActiveConnections. */
  async stop(closeActiveConnections = false): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const servers = [this.server, ...this.draining].filter((s) => s !== undefined);
    await Promise.all(servers.map((s) => s.stop(closeActiveConnections)));
  }

  private listen(certificate: ServingCertificate, port: number): Server<undefined> {
    const { hostname, fetch, error, maxRequestBodySize } = this.options;
    return Bun.serve({
      hostname,
      port,
      reusePort: true,
      maxRequestBodySize,
      tls: { cert: certificate.cert, key: certificate.key },
      fetch,
      error,
    });
  }

  private drain(old: Server<undefined>): void {
    const { fetch, error } = this.options;
    old.reload({ fetch: (request: Request) => closing(fetch(request)), error });
    this.draining.add(old);
    void Bun.sleep(DRAIN_MS)
      .then(() => old.stop())
      .finally(() => this.draining.delete(old));
  }

  private serving(certificate: ServingCertificate): void {
    this.certificate = certificate;
    const { serial, fingerprint256, notAfter } = certificate;
    this.options.metrics.certificateExpiry.set(notAfter.getTime() / 1000);
    this.options.logger.info({ serial, fingerprint256, notAfter: notAfter.toISOString() }, "webhook certificate served");
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.reload();
      if (this.timer) this.schedule();
    }, this.options.checkMs ?? CERTIFICATE_CHECK_MS);
    this.timer.unref?.();
  }

  private live(): Server<undefined> {
    if (!this.server) throw new Error("ReloadingServer: start() first");
    return this.server;
  }
}
