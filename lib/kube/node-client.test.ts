// NodeKubeClient.evictPod(): the Eviction it posts, against a local Bun.serve that keeps each request (no Kubernetes behaviour).

import { afterAll, describe, expect, test } from "bun:test";
import { pino } from "pino";
import { NodeKubeClient } from "./node-client.ts";

const posted: { method: string; path: string; body: unknown }[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    posted.push({ method: request.method, path: new URL(request.url).pathname, body: await request.json() });
    return Response.json({ kind: "Status", status: "Success" }, { status: 201 });
  },
});
afterAll(() => server.stop(true));

const client = new NodeKubeClient(
  {
    context: "x",
    cluster: { name: "c", server: `http://127.0.0.1:${server.port}`, skipTLSVerify: false },
    user: { name: "u", token: "t0ken" },
  },
  { logger: pino({ level: "silent" }) },
);

describe("NodeKubeClient.evictPod()", () => {
  test.each<[string, number | undefined, Record<string, unknown>]>([
    ["without gracePeriodSeconds the Eviction has no deleteOptions: the pod's own grace period applies", undefined, {}],
    ["gracePeriodSeconds goes into the Eviction's deleteOptions", 30, { deleteOptions: { gracePeriodSeconds: 30 } }],
    ["gracePeriodSeconds 0 is sent, not dropped as if unset", 0, { deleteOptions: { gracePeriodSeconds: 0 } }],
  ])("%s", async (_, gracePeriodSeconds, options) => {
    expect(await client.evictPod("apps", "web-1", gracePeriodSeconds)).toEqual({ outcome: "evicted" });
    expect(posted.at(-1)).toEqual({
      method: "POST",
      path: "/api/v1/namespaces/apps/pods/web-1/eviction",
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web-1", namespace: "apps" }, ...options },
    });
  });
});
