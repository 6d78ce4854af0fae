// docs/security.md states the ClusterRoles' grants and plexd-hook-jobs' allowed fields as the manifests define them.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const doc = read("docs/security.md");

/** The rows of the markdown table between `<!-- name:begin -->` and `<!-- name:end -->`, cells trimmed, header and rule dropped. */
function table(name: string): string[][] {
  const block = doc.split(`<!-- ${name}:begin -->`)[1]?.split(`<!-- ${name}:end -->`)[0] ?? "";
  return block
    .trim()
    .split("\n")
    .slice(2)
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}
const words = (cell: string): string[] =>
  cell
    .replace(/\(.*\)/, "")
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w && w !== "—" && w !== "none")
    .toSorted();

test("the grants table holds exactly the verbs ClusterRoles plexd, plexd-cluster and plexd-hook-nodes grant", () => {
  const roles = parseAllDocuments(read("deploy/kubernetes/clusterrole.yaml")).map((d) => d.toJS());
  const verbs = (names: string[]): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const role of roles.filter((r) => names.includes(r.metadata.name))) {
      for (const rule of role.rules as Rule[]) {
        for (const resource of rule.resources) {
          const key = `\`${resource}\`${rule.resourceNames ? ` ${rule.resourceNames.map((n) => `\`${n}\``).join(", ")}` : ""}`;
          map.set(key, [...(map.get(key) ?? []), ...rule.verbs].toSorted());
        }
      }
    }
    return map;
  };
  const agent = verbs(["plexd"]);
  const fleet = verbs(["plexd-cluster", "plexd-hook-nodes"]);
  const rows = table("grants").map(([resource = "", plexd = "", cluster = ""]) => [
    resource.replace(" (cluster-wide)", ""),
    words(plexd),
    words(cluster),
  ]);
  const keys = [...new Set([...agent.keys(), ...fleet.keys()])];
  expect(rows.map(([resource]) => resource).toSorted()).toEqual(keys.toSorted());
  for (const [resource, plexd, cluster] of rows) {
    expect([resource, plexd]).toEqual([resource, agent.get(resource as string) ?? []]);
    expect([resource, cluster]).toEqual([resource, fleet.get(resource as string) ?? []]);
  }
});

test("the fields table lists, level by level, exactly the fields plexd-hook-jobs allows", () => {
  const [policy] = parseAllDocuments(read("deploy/kubernetes/job-policy.yaml")).map((d) => d.toJS());
  const foreign: string = policy.spec.variables.find((v: { name: string }) => v.name === "foreignFields").expression;
  // Each level reads `.filter(f, ... !(f in [<allowed>])).map(f, '<level>' + f)`, or only `.map(...)` when none is allowed.
  const levels = new Map<string, string[]>();
  for (const [, allowed, level] of foreign.matchAll(/filter\(f, [^[]*\[([^\]]*)\]\)\)\.map\(f, '([^']*)' \+ f\)/g)) {
    levels.set(
      level as string,
      (allowed as string).split(",").map((f) => f.trim().replace(/'/g, "")),
    );
  }
  for (const [, level] of foreign.matchAll(/securityContext\.map\(f, '([^']*)' \+ f\)/g)) levels.set(level as string, []);
  expect(levels.size).toBe(6);
  const rows = table("fields").map(([level = "", fields = ""]) => [level.replace(/`/g, ""), words(fields)]);
  expect(new Map(rows as Array<[string, string[]]>)).toEqual(
    new Map([...levels].map(([level, fields]) => [level, fields.toSorted()])),
  );
});
