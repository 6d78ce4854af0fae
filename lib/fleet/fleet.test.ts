import { afterEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../tests/cluster/wait.ts";
import { launch, phaseOf, stopAll } from "../../tests/support/controller.ts";
import { agentPod, launchFleet, node, stopFleets } from "../../tests/support/fleet.ts";
import { MemoryClient } from "../../tests/support/memory-client.ts";

afterEach(async () => {
  await stopFleets();
  await stopAll();
});

/** A cluster of Ready nodes; agents' pods on those listed in `agents`. */
function cluster(nodes: string[], agents: string[]): MemoryClient {
  const client = new MemoryClient();
  for (const name of nodes) client.nodeObjects.put(node(name));
  for (const name of agents) client.podObjects.put(agentPod(name));
  return client;
}

describe("FleetController", () => {
  test("each untargeted hook gets exactly one Job, on a node whose agent is ready, with two fleet replicas", async () => {
    const client = cluster(["node-a", "node-b", "node-c"], ["node-a", "node-b"]);
    for (const name of ["node-a", "node-b", "node-c"]) launch(client, name);
    launchFleet(client);
    launchFleet(client);
    for (let i = 0; i < 6; i++) client.addHook(`free-${i}`, { hookName: "x" });
    for (let i = 0; i < 6; i++) await waitFor(`free-${i}'s Job`, () => client.job(`plexdhook-free-${i}`));
    expect(client.calls.createJob).toBe(6);
    const placed = [0, 1, 2, 3, 4, 5].map((i) => client.hook(`free-${i}`)?.status?.nodeName);
    for (const at of placed) expect(["node-a", "node-b"]).toContain(at as string);
    // The least busy node takes the next hook: both agents get work.
    expect(new Set(placed).size).toBe(2);
    expect(client.leases.objects.size).toBe(1);
  });

  test("an untargeted hook waits, saying why, until a node has a ready agent", async () => {
    const client = cluster(["node-a"], []);
    launch(client, "node-a");
    launchFleet(client);
    client.addHook("free", { hookName: "x" });
    await waitFor("the reason", () => client.hook("free")?.status?.conditions?.[0]?.reason === "NoReadyNode");
    expect(client.hook("free")?.status?.message).toContain("with a ready plexd-hook agent");
    client.podObjects.put(agentPod("node-a"));
    await waitFor("the Job", () => client.job("plexdhook-free"));
    expect(client.hook("free")?.status?.nodeName).toBe("node-a");
  });

  test("the fleet creates a privileged hook's Job and the node's agent follows it to the end", async () => {
    const client = cluster(["node-a"], ["node-a"]);
    launch(client, "node-a");
    launchFleet(client);
    client.addHook("root", { hookName: "x", nodeName: "node-a", privileged: true });
    const job = await waitFor("the Job", () => client.job("plexdhook-root"));
    expect(job.spec?.template.spec?.containers[0]?.securityContext?.privileged).toBe(true);
    await waitFor(
      "the recorded Job",
      () => client.hook("root")?.status?.conditions?.find((c) => c.type === "JobCreated")?.status === "True",
    );
    client.setJobStatus("plexdhook-root", {
      succeeded: 1,
      completionTime: new Date(),
      conditions: [{ type: "Complete", status: "True" } as never],
    });
    await waitFor("Succeeded", () => phaseOf(client, "root") === "Succeeded");
    expect(client.calls.createJob).toBe(1);
  });

  test("a hook aimed at a node whose hostname label is not its name fails at once, saying so", async () => {
    const client = new MemoryClient();
    client.nodeObjects.put(node("long-name.example.com", { hostname: "long-name" }));
    launchFleet(client);
    client.addHook("mislabelled", { hookName: "x", nodeName: "long-name.example.com" });
    await waitFor("Failed", () => phaseOf(client, "mislabelled") === "Failed");
    expect(client.hook("mislabelled")?.status?.message).toContain("kubernetes.io/hostname=long-name, not its name");
    expect(client.calls.createJob).toBe(0);
  });

  test("the fleet reports a hook aimed at a node where no agent runs, and leaves fresh ones alone", async () => {
    const client = cluster(["node-a"], ["node-a"]);
    launchFleet(client, (c) => {
      c.unclaimed = { afterMs: 1_000, everyMs: 20 };
    });
    const long = new Date(Date.now() - 5_000);
    client.addHook("ghost", { hookName: "x", nodeName: "node-ghost" }, { created: long });
    client.addHook("fresh-ghost", { hookName: "x", nodeName: "node-ghost" });
    await waitFor("the report", () => client.hook("ghost")?.status?.message);
    expect(client.hook("ghost")?.status).toMatchObject({ phase: "Pending", message: expect.stringContaining("node-ghost") });
    expect(client.hook("ghost")?.status?.jobName).toBeUndefined();
    expect(client.hook("fresh-ghost")?.status).toBeUndefined();
    expect(client.events.map((e) => e.reason)).toContain("NoController");
  });
});
