// The PlexdRollout rights: what the fleet controller's account gets, and the ClusterRoles for people.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { GROUP, PLURAL, ROLLOUT_PLURAL } from "./constants.ts";

const docs = parseAllDocuments(readFileSync(new URL("../deploy/kubernetes/rollout-rbac.yaml", import.meta.url), "utf8")).map(
  (doc) => doc.toJS(),
);
const grants = (name: string): string[] =>
  docs
    .find((d) => d.kind === "ClusterRole" && d.metadata.name === name)
    .rules.flatMap((r: any) =>
      r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g}/${res}:${v}`))),
    )
    .toSorted();

describe("rollout-rbac.yaml", () => {
  test("plexd-hook-rollouts lets the fleet controller read rollouts, write their status and create their hooks, nothing more", () => {
    expect(grants("plexd-hook-rollouts")).toEqual(
      [
        `${GROUP}/${ROLLOUT_PLURAL}:get`,
        `${GROUP}/${ROLLOUT_PLURAL}:list`,
        `${GROUP}/${ROLLOUT_PLURAL}:watch`,
        `${GROUP}/${ROLLOUT_PLURAL}/status:get`,
        `${GROUP}/${ROLLOUT_PLURAL}/status:update`,
        `${GROUP}/${ROLLOUT_PLURAL}/status:patch`,
        `${GROUP}/${ROLLOUT_PLURAL}/finalizers:update`,
        `${GROUP}/${PLURAL}:create`,
        `${GROUP}/${PLURAL}/privileged:use`,
        `${GROUP}/${PLURAL}/control-plane:use`,
      ].toSorted(),
    );
  });

  test("the fleet controller's rights are bound to plexd-cluster only, in its namespace", () => {
    const bindings = docs.filter((d) => d.kind.endsWith("Binding"));
    expect(bindings.map((b) => [b.kind, b.roleRef.name, b.metadata.namespace])).toEqual([
      ["RoleBinding", "plexd-hook-rollouts", "plexd-system"],
    ]);
    expect(bindings[0].subjects).toEqual([{ kind: "ServiceAccount", name: "plexd-cluster", namespace: "plexd-system" }]);
  });

  test("authors may change rollouts (pause, resume, abort) but no hook right comes with it", () => {
    expect(grants("plexd-hook-rollout-author").every((g) => g.startsWith(`${GROUP}/${ROLLOUT_PLURAL}:`))).toBe(true);
    expect(grants("plexd-hook-rollout-author")).toContain(`${GROUP}/${ROLLOUT_PLURAL}:patch`);
    expect(grants("plexd-hook-rollout-reader")).toEqual(
      ["get", "list", "watch"].map((v) => `${GROUP}/${ROLLOUT_PLURAL}:${v}`).toSorted(),
    );
  });
});
