import { expect, test } from "bun:test";
import { unpullable } from "../../tests/support/pods.ts";
import { arrange } from "../../tests/support/reconciler.ts";
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE } from "../constants.ts";
import { LABEL_JOB_CONTROLLER_UID } from "../core/pods.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

test("a hook whose pod cannot be pulled gets a PodNotStarting Warning at each look, kept as one Event whose count rises", async () => {
  const { client, reconciler } = arrange({
    hook: { spec: { nodeName: "node-a" }, status: { jobName: "plexdhook-h", phase: "Pending" }, ageSeconds: 60 },
    job: { where: "cached", status: { active: 1, ready: 0 }, ageSeconds: 60 },
    calls: [],
    status: undefined,
  });
  const labels = { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_JOB_CONTROLLER_UID]: "uid-job-h" };
  client.pods.push({ ...unpullable, metadata: { name: "plexdhook-h-x1", namespace: "plexd-system", labels } });
  for (let look = 0; look < 3; look++) {
    await reconciler.reconcile("plexd-system/h");
    await settle();
  }
  expect(client.hook("h")?.status?.message).toContain("is waiting: ImagePullBackOff");
  const warnings = client.events.filter((e) => e.reason === "PodNotStarting");
  expect(warnings.map((e) => [e.type, e.count, e.message])).toEqual([["Warning", 3, client.hook("h")?.status?.message]]);
  expect(client.eventRequests.map((r) => r.split(" ")[0])).toEqual(["create", "patch", "patch"]);
});
