// Hooks run to the end, on the right node, exactly once: phases, targeting across a fleet, bad input, SIGKILL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readAuditLog } from "../cluster/audit.ts";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from "../cluster/components.ts";
import { waitFor } from "../cluster/wait.ts";
import { hookYaml, type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";

let env: Setup;
const operators: Operator[] = [];

function operator(namespace: string, ...args: string[]): Operator {
  const op = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", namespace, ...args]);
  operators.push(op);
  return op;
}

const getHook = (ns: string, name: string) => env.json(["get", "plexdhook", name, "-n", ns]);
const hooksIn = async (ns: string) => (await env.json(["get", "plexdhooks", "-n", ns])).items as any[];
const jobsIn = async (ns: string) => (await env.json(["get", "jobs", "-n", ns])).items as any[];

/** The hook's status once it carries a message. */
function statusWithMessage(ns: string, name: string, timeoutMs = 30_000): Promise<any> {
  return waitFor(
    `${name} to say something`,
    async () => {
      const status = (await getHook(ns, name)).status;
      return status?.message && status;
    },
    { timeoutMs: timeoutMs, intervalMs: 200 },
  );
}

async function finalStatus(ns: string, name: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    `${name} to finish`,
    async () => {
      const status = (await getHook(ns, name)).status;
      return (status?.phase === "Succeeded" || status?.phase === "Failed") && status;
    },
    { timeoutMs: timeoutMs, intervalMs: 200 },
  );
}

beforeAll(async () => {
  env = await sharedCluster();
}, 600_000);

afterAll(async () => {
  await Promise.all(operators.map((op) => op.stop()));
});

describe("phases on the real Job controller", () => {
  const NS = "e2e-phases";
  let fleet: Operator;
  beforeAll(async () => {
    await env.namespace(NS);
    await operator(NS, "--node-name", "node-b").waitReady();
    fleet = operator(NS, "fleet", "--agent-selector=", "--unclaimed-after", "2");
    await fleet.waitReady();
  }, 60_000);

  test("a hook aimed at a node where no controller runs stays Pending with a message that says what to check", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("ghost", NS, { hookName: "g", nodeName: "node-zzz" }));
    const status = await statusWithMessage(NS, "ghost", 30_000);
    expect(status.phase).toBe("Pending");
    expect(status.message).toMatch(
      /^No plexd-hook controller has taken this hook in \d+ s: check that node node-zzz exists and runs the plexd-hook DaemonSet$/,
    );
    expect((await env.tryK(["get", "job", "plexdhook-ghost", "-n", NS])).code).not.toBe(0);
    // The fleet controller counts it for the PlexdHookUnclaimed alert.
    await waitFor(
      "plexd_hook_unclaimed_hooks to count the hook",
      async () => (await fleet.metric("plexd_hook_unclaimed_hooks")) === 1,
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    await env.k(["delete", "plexdhook", "ghost", "-n", NS]);
    await waitFor("plexd_hook_unclaimed_hooks to drop", async () => (await fleet.metric("plexd_hook_unclaimed_hooks")) === 0, {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
  });

  test("a hook aimed at a node whose hostname label is not its name fails at once, saying why", async () => {
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "node-renamed",
        labels: { "kubernetes.io/hostname": "renamed-host", type: "kwok" },
        annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      },
    };
    await env.k(["apply", "-f", "-"], JSON.stringify(node));
    await env.k(["apply", "-f", "-"], hookYaml("renamed", NS, { hookName: "r", nodeName: "node-renamed" }));
    const status = await statusWithMessage(NS, "renamed", 30_000);
    expect(status.phase).toBe("Failed");
    expect(status.conditions.find((c: any) => c.type === "JobCreated")?.reason).toBe("NodeHostnameMismatch");
    expect(status.message).toContain("Node node-renamed carries the label kubernetes.io/hostname=renamed-host, not its name");
    expect((await env.tryK(["get", "job", "plexdhook-renamed", "-n", NS])).code).not.toBe(0);
    await env.k(["delete", "node", "node-renamed"]);
  });

  test("a hook reaches Succeeded with completedAt, conditions and Events", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("ok", NS, { hookName: "ok", nodeName: "node-b" }));
    const status = await finalStatus(NS, "ok");
    expect(status.phase).toBe("Succeeded");
    expect(Date.parse(status.completedAt)).toBeGreaterThanOrEqual(Date.parse(status.startedAt) - 1000);
    expect(status.nodeName).toBe("node-b");
    expect(status.observedGeneration).toBe(1);
    expect(status.conditions.map((c: any) => [c.type, c.status])).toEqual([
      ["JobCreated", "True"],
      ["Succeeded", "True"],
    ]);
    const events = await waitFor(
      "the HookSucceeded event",
      async () => {
        const list = (await env.json(["get", "events", "-n", NS, "--field-selector", "involvedObject.name=ok"])).items as any[];
        return list.some((e) => e.reason === "HookSucceeded") && list;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(events.map((e: any) => e.reason)).toContain("JobCreated");
  });

  test("a hook whose container exits 3 reaches Failed with the exit code in the message", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("exit3", NS, { hookName: "exit3", nodeName: "node-b", jobTemplate: { image: "plexd.test/fail-exit-3" } }),
    );
    const status = await finalStatus(NS, "exit3");
    expect(status.phase).toBe("Failed");
    expect(status.message).toContain("BackoffLimitExceeded");
    expect(status.message).toContain("exited with code 3 (Error)");
  });

  test("a hook with a too short activeDeadlineSeconds reaches Failed with the deadline reason", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("slow", NS, {
        hookName: "slow",
        nodeName: "node-b",
        activeDeadlineSeconds: 3,
        jobTemplate: { image: "plexd.test/sleep" },
      }),
    );
    // Whether Running is seen in between depends on the machine's load; the end does not.
    const status = await finalStatus(NS, "slow");
    expect(status.phase).toBe("Failed");
    expect(status.message).toContain("DeadlineExceeded");
  });

  test("colliding parameter names end Failed with a message naming both, and the operator serves the next hook", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("collide", NS, {
        hookName: "c",
        nodeName: "node-b",
        parameters: [
          { name: "disk-path", value: "a" },
          { name: "disk.path", value: "b" },
        ],
      }),
    );
    await env.k(["apply", "-f", "-"], hookYaml("after-collide", NS, { hookName: "c", nodeName: "node-b" }));
    const status = await finalStatus(NS, "collide");
    expect(status.phase).toBe("Failed");
    expect(status.message).toBe(
      'Parameters "disk-path" and "disk.path" both become the environment variable PLEXD_PARAM_DISK_PATH: rename one of them',
    );
    expect((await finalStatus(NS, "after-collide")).phase).toBe("Succeeded");
  });

  test("a hook in a namespace without the plexd ServiceAccount stays Pending with the Job controller's reason", async () => {
    await env.k(["create", "namespace", "e2e-no-sa"]);
    await env.grantOperator("e2e-no-sa");
    const other = operator("e2e-no-sa", "--node-name", "node-b");
    await other.waitReady();
    await env.k(["apply", "-f", "-"], hookYaml("no-sa", "e2e-no-sa", { hookName: "s", nodeName: "node-b" }));
    const status = await statusWithMessage("e2e-no-sa", "no-sa", 45_000);
    expect(status.phase).toBe("Pending");
    expect(status.message).toContain("the Job cannot create its pod");
    expect(status.message).toContain('serviceaccount "plexd" not found');
  }, 60_000);

  test("an image that cannot be pulled stays Pending with a message that says so", async () => {
    await env.k(
      ["apply", "-f", "-"],
      hookYaml("unpullable", NS, { hookName: "u", nodeName: "node-b", jobTemplate: { image: "plexd.test/unpullable" } }),
    );
    const status = await statusWithMessage(NS, "unpullable", 30_000);
    expect(status.phase).toBe("Pending");
    expect(status.message).toContain("ImagePullBackOff");
  });

  test("the Warning it gets at each look is one Event whose count rises, not an Event per look", async () => {
    const warnings = async () =>
      ((await env.json(["get", "events", "-n", NS, "--field-selector", "involvedObject.name=unpullable,reason=PodNotStarting"]))
        .items ?? []) as any[];
    await waitFor("the PodNotStarting Warning", async () => (await warnings()).length > 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    // A change to the hook makes the controller look again (its timed recheck at a minute would too),
    // a second later at least: Event timestamps have a resolution of seconds.
    await Bun.sleep(1_100);
    await env.k(["annotate", "plexdhook", "unpullable", "-n", NS, "plexd.test/look=again"]);
    const repeated = await waitFor(
      "the Warning's count to rise",
      async () => {
        const list = await warnings();
        return list.some((e) => e.count > 1) && list;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(repeated).toHaveLength(1);
    expect(repeated[0].type).toBe("Warning");
    expect(repeated[0].message).toContain("ImagePullBackOff");
    expect(Date.parse(repeated[0].lastTimestamp)).toBeGreaterThan(Date.parse(repeated[0].firstTimestamp));
  }, 120_000);
});

describe("cluster mode", () => {
  const NS = "e2e-cluster-mode";
  let single: Operator;
  beforeAll(async () => {
    await env.namespace(NS);
    single = operator(NS, "--all-nodes");
    await single.waitReady();
  }, 60_000);

  test("one replica pins each hook's Job to its spec.nodeName", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("to-a", NS, { hookName: "m", nodeName: "node-a" }));
    await env.k(["apply", "-f", "-"], hookYaml("to-c", NS, { hookName: "m", nodeName: "node-c" }));
    expect((await finalStatus(NS, "to-a")).nodeName).toBe("node-a");
    expect((await finalStatus(NS, "to-c")).nodeName).toBe("node-c");
    const job = await env.json(["get", "job", "plexdhook-to-c", "-n", NS]);
    expect(job.spec.template.spec.nodeSelector).toEqual({ "kubernetes.io/hostname": "node-c" });
  });

  test("a hook for a node that does not exist stays Pending with a message that says so", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("nowhere", NS, { hookName: "m", nodeName: "node-zzz" }));
    const status = await statusWithMessage(NS, "nowhere", 30_000);
    expect(status.phase).toBe("Pending");
    expect(status.message).toContain("cannot be scheduled");
    expect(status.message).toContain("node affinity/selector");
  });

  test("a hook without spec.nodeName is left alone, with a warning, when no --node-name is given", async () => {
    await env.k(["apply", "-f", "-"], hookYaml("unplaced", NS, { hookName: "m" }));
    await waitFor("the warning", () => single.logs.some((l) => l.level === "warn" && l.hook === "unplaced") || undefined, {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect((await getHook(NS, "unplaced")).status).toBeUndefined();
  });
});

describe("targeting across three node agents and the fleet controller", () => {
  const NS = "e2e-fleet";
  const nodes = ["node-a", "node-b", "node-c"];
  let agents: Record<string, Operator>;
  let fleet: Operator;

  beforeAll(async () => {
    await env.namespace(NS);
    // Each agent with the token of the DaemonSet's pod on its node, as in a cluster: bound to that node.
    const configs = await Promise.all(nodes.map((node) => env.nodeKubeconfig(node)));
    agents = Object.fromEntries(
      nodes.map((node, i) => [
        node,
        startOperator(["--kubeconfig", configs[i] as string, "--namespace", NS, "--node-name", node]),
      ]),
    );
    fleet = operator(NS, "fleet", "--agent-selector=");
    operators.push(...Object.values(agents));
    await Promise.all([...Object.values(agents), fleet].map((op) => op.waitReady()));
    const items = [
      ...nodes.flatMap((node) =>
        [1, 2, 3].map((i) => JSON.parse(hookYaml(`${node}-${i}`, NS, { hookName: "t", nodeName: node }))),
      ),
      ...[1, 2, 3, 4, 5, 6].map((i) => JSON.parse(hookYaml(`free-${i}`, NS, { hookName: "free" }))),
      JSON.parse(hookYaml("root-b", NS, { hookName: "root", nodeName: "node-b", privileged: true })),
    ];
    await env.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    await waitFor("every hook to succeed", async () => (await hooksIn(NS)).every((h) => h.status?.phase === "Succeeded"), {
      timeoutMs: 90_000,
      intervalMs: 250,
    });
  }, 150_000);

  const createdBy = (op: Operator, prefix: string): string[] =>
    op.logs.filter((l) => l.msg === "plexdhook job created" && String(l.hook).startsWith(prefix)).map((l) => String(l.hook));

  test("each targeted hook ran on its node, created by that node's agent", async () => {
    for (const node of nodes) {
      for (const i of [1, 2, 3]) {
        const job = await env.json(["get", "job", `plexdhook-${node}-${i}`, "-n", NS]);
        expect(job.spec.template.spec.nodeSelector["kubernetes.io/hostname"]).toBe(node);
      }
      expect(createdBy(agents[node]!, "node-").sort()).toEqual([`${node}-1`, `${node}-2`, `${node}-3`]);
    }
  });

  test("the fleet controller assigned each untargeted hook to a node, whose agent created its one Job", async () => {
    const jobs = await jobsIn(NS);
    for (const i of [1, 2, 3, 4, 5, 6]) {
      const hook = await getHook(NS, `free-${i}`);
      const node = hook.status.nodeName as string;
      expect(nodes).toContain(node);
      expect(hook.status.conditions.find((c: any) => c.type === "JobCreated")?.reason).toBe("JobCreated");
      expect(jobs.filter((j) => j.metadata.name === `plexdhook-free-${i}`)).toHaveLength(1);
      expect(createdBy(agents[node]!, `free-${i}`)).toEqual([`free-${i}`]);
    }
    // Spread by load: no node took them all.
    const placed = await Promise.all([1, 2, 3, 4, 5, 6].map(async (i) => (await getHook(NS, `free-${i}`)).status.nodeName));
    expect(new Set(placed).size).toBeGreaterThan(1);
    expect(createdBy(fleet, "free-")).toEqual([]);
    const lease = await env.json(["get", "lease", "plexd-hook-fleet", "-n", NS]);
    expect(lease.spec.holderIdentity).toStartWith("fleet_");
  });

  test("the privileged hook's Job was created by the fleet controller and followed to Succeeded by node-b's agent", async () => {
    expect(createdBy(fleet, "root-b")).toEqual(["root-b"]);
    for (const node of nodes) expect(createdBy(agents[node]!, "root-b")).toEqual([]);
    const job = await env.json(["get", "job", "plexdhook-root-b", "-n", NS]);
    expect(job.spec.template.spec.containers[0].securityContext).toEqual({ privileged: true });
    expect((await getHook(NS, "root-b")).status.phase).toBe("Succeeded");
  });

  test("each agent holds only its own node's hooks, as its metrics show", async () => {
    const hooks = await hooksIn(NS);
    for (const node of nodes) {
      const own = hooks.filter((h) => (h.spec.nodeName || h.status?.nodeName) === node).length;
      expect(await agents[node]!.metric("plexd_hook_hooks")).toBe(own);
    }
  });

  test("the audit log shows every hook and Job read of the agents filtered by their node, and no Lease request", async () => {
    const requests = readAuditLog(env.cluster.auditLogPath as string).filter(
      (e) =>
        e.stage === "ResponseComplete" &&
        e.user?.username === "system:serviceaccount:plexd-system:plexd" &&
        decodeURIComponent(e.requestURI ?? "").includes(`/namespaces/${NS}/`),
    );
    const uris = requests
      .filter((e) => e.verb === "watch" || e.verb === "list")
      .map((e) => decodeURIComponent(e.requestURI ?? ""));
    const hookReads = uris.filter((uri) => uri.includes("/plexdhooks"));
    const jobReads = uris.filter((uri) => uri.includes("/jobs"));
    // Watches last minutes, so only their starts may be in the log yet: two hook lists and one Job list per agent.
    expect(hookReads.length).toBeGreaterThanOrEqual(6);
    expect(jobReads.length).toBeGreaterThanOrEqual(3);
    for (const uri of hookReads)
      expect(uri).toMatch(/fieldSelector=spec\.nodeName=(node-[abc]|,status\.nodeName=node-[abc])(&|$)/);
    for (const uri of jobReads) expect(uri).toMatch(/labelSelector=.*plexd\.plexsphere\.com\/node=node-[abc]/);
    expect(requests.filter((e) => e.objectRef?.resource === "leases" || e.objectRef?.resource === "nodes")).toEqual([]);
  });
});

describe("a SIGKILL in the middle of a burst", () => {
  const NS = "e2e-burst";
  const COUNT = 200;

  test("every one of 200 hooks ends with exactly one Job and Succeeded after the operator is killed and restarted", async () => {
    await env.namespace(NS);
    const first = operator(NS, "--node-name", "node-c");
    await first.waitReady();
    const items = Array.from({ length: COUNT }, (_, i) =>
      JSON.parse(hookYaml(`burst-${i}`, NS, { hookName: "burst", nodeName: "node-c" })),
    );
    // Not awaited: the hooks keep arriving while the operator is killed.
    const applying = env.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    await waitFor("some Jobs", () => first.logs.filter((l) => l.msg === "plexdhook job created").length >= 5 || undefined, {
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    first.proc.kill("SIGKILL");
    expect(await first.exited).not.toBe(0);
    const createdBefore = first.logs.filter((l) => l.msg === "plexdhook job created").length;
    await applying;
    expect(createdBefore).toBeLessThan(COUNT);

    const second = operator(NS, "--node-name", "node-c");
    await waitFor(
      "every hook to succeed",
      async () => {
        const hooks = await hooksIn(NS);
        return hooks.length === COUNT && hooks.every((h) => h.status?.phase === "Succeeded");
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    );
    const jobs = await jobsIn(NS);
    expect(jobs).toHaveLength(COUNT);
    const hooks = await hooksIn(NS);
    expect(new Set(hooks.map((h) => h.status.jobName)).size).toBe(COUNT);
    for (const hook of hooks) {
      const owned = jobs.filter((j) => j.metadata.ownerReferences?.[0]?.uid === hook.metadata.uid);
      expect(owned.map((j) => j.metadata.name)).toEqual([hook.status.jobName]);
    }
    const createdAfter = second.logs.filter((l) => l.msg === "plexdhook job created").length;
    expect(createdAfter).toBeGreaterThan(0);
    expect(createdBefore + createdAfter).toBeLessThanOrEqual(COUNT);
  }, 300_000);
});
