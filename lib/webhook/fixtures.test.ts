// Request → response over Metacontroller's wire shape (fixtures/*.request.json), at hook versions v1 and v2.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOOKS } from "./hooks.ts";
import type { HookKind } from "./wire.ts";

const DIR = join(import.meta.dir, "fixtures");
const NOW = new Date("2026-11-23T18:00:00Z");
const read = (file: string): any => JSON.parse(readFileSync(join(DIR, file), "utf8"));
const names = readdirSync(DIR)
  .filter((f) => f.endsWith(".request.json"))
  .map((f) => f.replace(".request.json", ""));
const answer = (name: string): any => HOOKS[name.split("-")[0] as HookKind](read(`${name}.request.json`), NOW);

// The JSON fields of Metacontroller's response structs; strict (v2) decoding refuses any other.
const SYNC_FIELDS = ["status", "children", "resyncAfterSeconds", "finalized"];
const RULE_FIELDS = ["apiVersion", "resource", "labelSelector", "namespaceSelector", "namespace", "names"];

// After a deliberate change to the Job or the status: UPDATE_FIXTURES=1 bun test lib/webhook/fixtures.test.ts,
// npm run format, then review the diff of fixtures/*.response.json.
const update = process.env.UPDATE_FIXTURES === "1";

describe("fixtures", () => {
  test.each(names)("%s answers as %s.response.json", (name) => {
    if (update) writeFileSync(join(DIR, `${name}.response.json`), `${JSON.stringify(answer(name), null, 2)}\n`);
    expect(answer(name)).toEqual(read(`${name}.response.json`));
  });

  test.each(names)("%s's answer has only fields Metacontroller's strict decoding knows", (name) => {
    const response = answer(name);
    if (name.startsWith("customize")) {
      expect(Object.keys(response)).toEqual(["relatedResources"]);
      for (const rule of response.relatedResources) for (const key of Object.keys(rule)) expect(RULE_FIELDS).toContain(key);
    } else {
      for (const key of Object.keys(response)) expect(SYNC_FIELDS).toContain(key);
      expect(typeof response.resyncAfterSeconds).toBe("number");
      expect(Array.isArray(response.children)).toBe(true);
    }
  });
});

describe("what the fixtures show", () => {
  test("customize asks for the Node cluster-wide and the Job's pods in the hook's namespace, never a Secret or ConfigMap, the same at v1 and v2", () => {
    const rules = answer("customize-v2").relatedResources;
    expect(rules.map((r: any) => [r.resource, r.namespace ?? "", r.names ?? r.labelSelector])).toEqual([
      ["nodes", "", ["node-a"]],
      ["pods", "plexd-system", { matchLabels: { "batch.kubernetes.io/job-name": "plexdhook-disk-check-node-a" } }],
    ]);
    expect(answer("customize-v1")).toEqual(answer("customize-v2"));
  });

  test("a new hook gets one Job and Pending at v2, and at v1 (where the Node is never sent) the same", () => {
    const v2 = answer("sync-v2-create");
    expect(v2.children.map((j: any) => j.metadata.name)).toEqual(["plexdhook-disk-check-node-a"]);
    expect(v2.status.phase).toBe("Pending");
    expect(answer("sync-v1-create")).toEqual(v2);
  });

  test("an existing Job is always returned, keyed ns/name at v2 and name at v1", () => {
    for (const name of [
      "sync-v2-running",
      "sync-v1-running",
      "sync-v2-succeeded",
      "finalize-v2-running",
      "finalize-v2-succeeded",
    ]) {
      expect(answer(name).children.map((j: any) => j.metadata.name)).toEqual(["plexdhook-disk-check-node-a"]);
    }
    expect(answer("sync-v1-running")).toEqual(answer("sync-v2-running"));
  });

  test("a missing Secret is told by the pod, as in the native mode; a missing Node means Failed and no Job", () => {
    const secret = answer("sync-v2-config-error");
    expect(secret.children.map((j: any) => j.metadata.name)).toEqual(["plexdhook-disk-check-node-a"]);
    expect(secret.status.phase).toBe("Pending");
    expect(secret.status.message).toContain("Secret plexd-system/disk-check-creds does not exist");
    expect(secret.status.message).toContain("key token");
    const node = answer("sync-v2-missing-node");
    expect(node.children).toEqual([]);
    expect(node.status).toMatchObject({ phase: "Failed", message: "node node-a not found" });
  });

  test("a Job the status names is never asked for again: waiting while it may be Metacontroller's cache, then Failed", () => {
    const waiting = answer("sync-v2-asked");
    expect(waiting.children).toEqual([]);
    expect(waiting.status).toEqual(read("sync-v2-asked.request.json").parent.status);
    expect(waiting.resyncAfterSeconds).toBe(40);
    for (const [name, reason] of [
      ["sync-v2-unseen", "JobCreationUnconfirmed"],
      ["sync-v2-gone", "JobMissing"],
    ]) {
      const failed = answer(name as string);
      expect(failed.children).toEqual([]);
      expect(failed.status.phase).toBe("Failed");
      expect(failed.status.conditions.find((c: any) => c.type === "Succeeded").reason).toBe(reason);
    }
  });

  test("finalize waits while the task runs and lets go once it is over", () => {
    expect(answer("finalize-v2-running").finalized).toBe(false);
    expect(answer("finalize-v2-succeeded").finalized).toBe(true);
  });
});
