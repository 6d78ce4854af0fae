// The webhook server over real HTTP: hooks answer, bad requests get clear errors, the server survives them all (HTTPS: reloading-server.test.ts).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { WebhookMetrics } from "./metrics.ts";
import { MAX_BODY_BYTES, serveWebhook, type WebhookServer } from "./server.ts";

const fixture = (name: string): string => readFileSync(join(import.meta.dir, "fixtures", `${name}.request.json`), "utf8");
const metrics = new WebhookMetrics();
let server: WebhookServer;
let base: string;

beforeAll(() => {
  server = serveWebhook({ addr: "127.0.0.1:0", logger: pino({ level: "silent" }), metrics });
  base = server.url.href.replace(/\/$/, "");
});
afterAll(() => server.stop(true));

const post = (path: string, body: string | ReadableStream, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

describe("hooks", () => {
  test("POST /customize answers an object with relatedResources", async () => {
    const res = await post("/customize", fixture("customize-v2"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(Object.keys((await res.json()) as object)).toEqual(["relatedResources"]);
  });

  test("POST /sync and /finalize answer with status and children", async () => {
    const sync = (await (await post("/sync", fixture("sync-v2-create"))).json()) as any;
    expect(sync.children).toHaveLength(1);
    const fin = (await (await post("/finalize", fixture("finalize-v2-succeeded"))).json()) as any;
    expect(fin.finalized).toBe(true);
  });

  test("probes and metrics answer GET; metrics count requests, latency and errors per hook", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await post("/sync", "{");
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/plexd_hook_webhook_requests_total\{hook="sync",code="200"\} [1-9]/);
    expect(text).toMatch(/plexd_hook_webhook_request_duration_seconds_count\{hook="customize"\} [1-9]/);
    expect(text).toMatch(/plexd_hook_webhook_errors_total\{hook="sync",reason="not_json"\} [1-9]/);
  });
});

describe("bad requests", () => {
  const valid = JSON.parse(fixture("sync-v2-create"));
  const withParent = (patch: (p: any) => void) => {
    const body = structuredClone(valid);
    patch(body.parent);
    return JSON.stringify(body);
  };
  // [what, path, body, status, words the answer must contain]
  const cases: Array<[string, string, string, number, string]> = [
    ["empty body", "/sync", "", 400, "not JSON"],
    ["truncated JSON", "/sync", '{"parent": {', 400, "not JSON"],
    ["plain text", "/customize", "hello", 400, "not JSON"],
    ["XML", "/finalize", "<sync/>", 400, "not JSON"],
    ["NaN", "/sync", "NaN", 400, "not JSON"],
    ["a trailing comma", "/sync", '{"parent": {},}', 400, "not JSON"],
    ["stray characters", "/sync", "\uFFFD\uFFFE", 400, "not JSON"],
    ["null", "/sync", "null", 422, "body: must be a JSON object"],
    ["a number", "/sync", "42", 422, "body: must be a JSON object"],
    ["a string", "/customize", '"sync"', 422, "body: must be a JSON object"],
    ["the seed's bare array", "/customize", "[]", 422, "body: must be a JSON object"],
    ["an empty object", "/sync", "{}", 422, "parent: must be an object"],
    ["parent as an array", "/sync", '{"parent": []}', 422, "parent: must be an object"],
    ["no metadata", "/sync", withParent((p) => delete p.metadata), 422, "parent.metadata: must be an object"],
    ["no name", "/sync", withParent((p) => delete p.metadata.name), 422, "parent.metadata.name: must be a string"],
    [
      "empty namespace",
      "/sync",
      withParent((p) => (p.metadata.namespace = "")),
      422,
      "parent.metadata.namespace: must not be empty",
    ],
    ["no uid", "/customize", withParent((p) => delete p.metadata.uid), 422, "parent.metadata.uid"],
    ["another kind", "/sync", withParent((p) => (p.kind = "Deployment")), 422, "parent.kind: must be PlexdHook"],
    ["no spec", "/sync", withParent((p) => delete p.spec), 422, "parent.spec: must be an object"],
    ["hookName a number", "/sync", withParent((p) => (p.spec.hookName = 7)), 422, "parent.spec.hookName: must be a string"],
    [
      "parameters an object",
      "/sync",
      withParent((p) => (p.spec.parameters = {})),
      422,
      "parent.spec.parameters: must be an array",
    ],
    [
      "a parameter without a name",
      "/sync",
      withParent((p) => (p.spec.parameters = [{ value: "x" }])),
      422,
      "parent.spec.parameters[0].name",
    ],
    [
      "a keyRef without a key",
      "/sync",
      withParent((p) => (p.spec.parameters[2].valueFrom.secretKeyRef.key = 1)),
      422,
      "parent.spec.parameters[2].valueFrom.secretKeyRef.key",
    ],
    ["command a string", "/sync", withParent((p) => (p.spec.jobTemplate.command = "sh")), 422, "parent.spec.jobTemplate.command"],
    [
      "a valueFrom with no source",
      "/sync",
      withParent((p) => (p.spec.parameters[2].valueFrom = {})),
      422,
      "parent.spec.parameters[2].valueFrom: must set exactly one",
    ],
    ["children a list", "/sync", JSON.stringify({ ...valid, children: [] }), 422, "children: must be an object"],
    [
      "a related object a string",
      "/sync",
      JSON.stringify({ ...valid, related: { "Node.v1": { "node-a": "up" } } }),
      422,
      'related["Node.v1"]["node-a"]: must be an object',
    ],
    ["finalizing a string", "/finalize", JSON.stringify({ ...valid, finalizing: "yes" }), 422, "finalizing: must be a boolean"],
    [
      "controller a string",
      "/sync",
      JSON.stringify({ ...valid, controller: "plexd-hook" }),
      422,
      "controller: must be an object",
    ],
    ["a body over 4 MiB", "/sync", `{"pad":"${"x".repeat(MAX_BODY_BYTES)}"}`, 413, "over 4194304 bytes"],
    ["a deeply nested body", "/sync", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, 422, "body: must be a JSON object"],
  ];

  test("there are at least 30 of them", () => expect(cases.length).toBeGreaterThanOrEqual(30));

  test.each(cases)("%s → %d", async (_, path, body, status, words) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toContain(words);
  });

  test("a chunked body over 4 MiB without a length is refused too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    expect((await post("/sync", stream)).status).toBe(413);
  });

  test("a wrong method gets 405 with Allow, and an unknown path 404", async () => {
    const res = await fetch(`${base}/sync`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect((await fetch(`${base}/metrics`, { method: "DELETE" })).status).toBe(405);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  test("the server still answers after all of them", async () => {
    expect((await post("/sync", fixture("sync-v2-create"))).status).toBe(200);
  });
});
