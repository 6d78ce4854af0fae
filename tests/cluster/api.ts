// The few raw API calls the cluster needs while it boots, made with the admin client certificate.
import type { Child } from "./child.ts";
import type { ClientCert } from "./pki.ts";
import { waitFor } from "./wait.ts";

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

/** Waits until the API server answers /readyz with 200. */
export async function waitApiServerReady(conn: ApiConnection, children: readonly Child[], timeoutMs: number): Promise<void> {
  await waitFor(
    "kube-apiserver /readyz",
    async () => ((await apiRequest(conn, "GET", "/readyz")).status === 200 ? true : undefined),
    { timeoutMs, children },
  );
}

export async function waitDefaultServiceAccount(
  conn: ApiConnection,
  children: readonly Child[],
  timeoutMs: number,
): Promise<void> {
  // Pods are rejected in a namespace until the controller manager has created its ServiceAccount.
  await waitFor(
    "the default ServiceAccount",
    async () => {
      const res = await apiRequest(conn, "GET", "/api/v1/namespaces/default/serviceaccounts/default");
      return res.status === 200 ? true : undefined;
    },
    { timeoutMs, children },
  );
}
