// The few raw API calls the cluster needs while it boots, made with the admin client certificate.
import type { ClientCert } from "./pki.ts";

/** What it takes to reach the API server as a given client. */
export interface ApiConnection {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Reads the PEM files once, so each request does no file I/O. */
export async function connect(server: string, caFile: string, client: ClientCert): Promise<ApiConnection> {
  const [ca, cert, key] = await Promise.all([caFile, client.cert, client.key].map((f) => Bun.file(f).text()));
  return { server, ca: ca!, cert: cert!, key: key! };
}

/** One request; JSON in, JSON (or text) out. Never throws on an HTTP error status, only on I/O. */
export async function apiRequest(conn: ApiConnection, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const res = await fetch(`${conn.server}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    tls: { ca: conn.ca, cert: conn.cert, key: conn.key },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /readyz answers plain text.
  }
  return { status: res.status, body: parsed };
}
