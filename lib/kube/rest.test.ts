// The REST layer's HTTP mechanics against a local Bun.serve that records what arrives (no Kubernetes behaviour).

import { afterAll, describe, expect, test } from "bun:test";
import { ApiError, isTransient } from "./errors.ts";
import { CREDENTIALS_UNAVAILABLE, Rest } from "./rest.ts";

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

const seen: Seen[] = [];
/** How the next requests are answered, by path; the default echoes `{ ok: true }`. */
const answers = new Map<string, () => Response>();

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    seen.push({
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    });
    return answers.get(url.pathname)?.() ?? Response.json({ ok: true });
  },
});
afterAll(() => server.stop(true));

function rest(serverUrl = `http://127.0.0.1:${server.port}`): Rest {
  return new Rest({
    context: "x",
    cluster: { name: "c", server: serverUrl, skipTLSVerify: false },
    user: { name: "u", token: "t0ken" },
  });
}

function last(): Seen {
  return seen.at(-1) as Seen;
}

describe("Rest.request()", () => {
  test("sends the method, path, query, bearer token and JSON body, and decodes the JSON answer", async () => {
    const answer = await rest().request<{ ok: boolean }>("PATCH", "/apis/x/v1/things/a/status", {
      query: { fieldSelector: "spec.nodeName=n", limit: 5, continue: undefined, labelSelector: "" },
      body: { status: { phase: "Pending" } },
      contentType: "application/merge-patch+json",
    });
    expect(answer).toEqual({ ok: true });
    expect(last()).toMatchObject({
      method: "PATCH",
      path: "/apis/x/v1/things/a/status",
      query: { fieldSelector: "spec.nodeName=n", limit: "5" },
      body: '{"status":{"phase":"Pending"}}',
    });
    expect(last().headers).toMatchObject({
      authorization: "Bearer t0ken",
      accept: "application/json",
      "content-type": "application/merge-patch+json",
    });
  });

  test("an error answer with a Status body becomes an ApiError with its code, reason and message", async () => {
    answers.set("/conflict", () =>
      Response.json({ kind: "Status", reason: "Conflict", message: "the object has been modified" }, { status: 409 }),
    );
    const err = (await rest()
      .request("PUT", "/conflict", { body: {} })
      .catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.statusCode, err.reason, err.message]).toEqual([409, "Conflict", "PUT /conflict: the object has been modified"]);
  });

  test("an error answer that is not a Status keeps its text", async () => {
    answers.set("/plain", () => new Response("404 page not found\n", { status: 404, statusText: "Not Found" }));
    const err = (await rest()
      .request("GET", "/plain")
      .catch((e: unknown) => e)) as ApiError;
    expect([err.statusCode, err.reason, err.message]).toEqual([404, "Not Found", "GET /plain: 404 page not found"]);
  });

  test("a 401 is retried once with fresh credentials, then reported", async () => {
    answers.set("/unauthorized", () => new Response("Unauthorized", { status: 401 }));
    const before = seen.length;
    const err = (await rest()
      .request("GET", "/unauthorized")
      .catch((e: unknown) => e)) as ApiError;
    expect(err.statusCode).toBe(401);
    expect(seen.length - before).toBe(2);
  });

  test("no server at the address is an ApiError with status 0 (Unreachable), which callers treat as transient", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const err = (await rest(url)
      .request("GET", "/x")
      .catch((e: unknown) => e)) as ApiError;
    expect([err.statusCode, err.reason]).toEqual([0, "Unreachable"]);
    expect(err.message).toContain(`cannot reach the API server at ${url}`);
  });

  test("a body that is not JSON is reported as a cut-off answer (status 0)", async () => {
    answers.set("/cut", () => new Response('{"items": [', { headers: { "content-type": "application/json" } }));
    const err = (await rest()
      .request("GET", "/cut")
      .catch((e: unknown) => e)) as ApiError;
    expect([err.statusCode, err.reason]).toEqual([0, "Unreachable"]);
    expect(err.message).toStartWith("GET /cut: reading the answer failed:");
  });
});

describe("Rest.send()", () => {
  test("sends the JSON body and resolves without decoding the answer, which may not be JSON", async () => {
    answers.set("/apis/x/v1/events", () => new Response("not json"));
    await rest().send("POST", "/apis/x/v1/events", { body: { reason: "JobCreated" } });
    expect(last()).toMatchObject({ method: "POST", path: "/apis/x/v1/events", body: '{"reason":"JobCreated"}' });
    expect(last().headers).toMatchObject({ "content-type": "application/json" });
  });

  test("an error answer still rejects with an ApiError", async () => {
    answers.set("/gone", () => Response.json({ kind: "Status", reason: "NotFound", message: "gone" }, { status: 404 }));
    const err = (await rest()
      .send("PATCH", "/gone", { body: {} })
      .catch((e: unknown) => e)) as ApiError;
    expect([err.statusCode, err.reason, err.message]).toEqual([404, "NotFound", "PATCH /gone: gone"]);
  });
});

describe("Rest.stream()", () => {
  test("yields one decoded object per line, however the bytes are split", async () => {
    answers.set("/watch", () => {
      const parts = [
        '{"type":"ADDED","object":{"n":1}}\n{"type":"MOD',
        'IFIED","object":{"n":2}}\n',
        "\n",
        '{"type":"DELETED"}\n',
      ];
      const body = new ReadableStream({
        async start(controller) {
          for (const part of parts) {
            controller.enqueue(new TextEncoder().encode(part));
            await Bun.sleep(5);
          }
          controller.close();
        },
      });
      return new Response(body);
    });
    const events: unknown[] = [];
    for await (const event of rest().stream("/watch", { query: { watch: true, resourceVersion: "7" } })) events.push(event);
    expect(events).toEqual([{ type: "ADDED", object: { n: 1 } }, { type: "MODIFIED", object: { n: 2 } }, { type: "DELETED" }]);
    expect(last().query).toEqual({ watch: "true", resourceVersion: "7" });
  });
});

describe("credentials that cannot be had are transient, like a server that does not answer", () => {
  const withUser = (user: Record<string, unknown>): Rest => {
    return new Rest({
      context: "x",
      cluster: { name: "c", server: `http://127.0.0.1:${server.port}`, skipTLSVerify: false },
      user: { name: "u", ...user },
    });
  };

  test.each([
    ["an exec credential plugin that fails", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "false" } }],
    [
      "client certificate files that cannot be read",
      { certFile: "/nonexistent/plexd/client.crt", keyFile: "/nonexistent/plexd/client.key" },
    ],
  ])("%s: an ApiError with status 0 (isTransient) saying so", async (_what, user) => {
    const err = await withUser(user)
      .request("GET", "/api/v1/namespaces/x/pods")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ statusCode: 0, reason: CREDENTIALS_UNAVAILABLE });
    expect(isTransient(err)).toBe(true);
    expect((err as ApiError).message).toStartWith("GET /api/v1/namespaces/x/pods: cannot get credentials: ");
  });
});
