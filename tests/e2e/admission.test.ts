// Bad input, counted: malformed and hostile PlexdHooks sent to the real API server while the operator runs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../cluster/wait.ts";
import { type Setup, sharedCluster } from "./support/cluster.ts";
import { type Operator, startOperator } from "./support/operator.ts";

const NS = "e2e-admission";
let env: Setup;
let operator: Operator;

/** A PlexdHook document; `spec` undefined leaves it out. */
const hook = (name: string, spec?: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: "plexd.plexsphere.com/v1alpha1",
  kind: "PlexdHook",
  metadata: { name, namespace: NS },
  ...(spec !== undefined && { spec }),
  ...extra,
});
const params = (count: number, value = (i: number) => `v${i}`) =>
  Array.from({ length: count }, (_, i) => ({ name: `p${i}`, value: value(i) }));
const KIB = 1024;
const NUL = "\u0000";

// [what, document, the API server's refusal must contain]
const refused: Array<[string, object, string]> = [
  ["no spec", hook("r-no-spec"), "spec: Required value"],
  ["no hookName", hook("r-no-hook-name", { privileged: false }), "spec.hookName: Required value"],
  ["an empty hookName", hook("r-empty-hook-name", { hookName: "" }), "spec.hookName: Invalid value"],
  ["a 64-character hookName", hook("r-long-hook-name", { hookName: "h".repeat(64) }), "spec.hookName: Too long"],
  ["a hookName with a space", hook("r-space", { hookName: "disk check" }), "hookName must be a valid label value"],
  ["a unicode hookName", hook("r-unicode-name", { hookName: "prüfung" }), "hookName must be a valid label value"],
  ["a hookName starting with '-'", hook("r-dash", { hookName: "-x" }), "hookName must be a valid label value"],
  ["a hookName with a NUL byte", hook("r-nul-name", { hookName: `a${NUL}b` }), "hookName must be a valid label value"],
  ["a hookName of the wrong type", hook("r-type-name", { hookName: 42 }), 'spec.hookName: Invalid value: "integer"'],
  ["an empty image", hook("r-empty-image", { hookName: "x", jobTemplate: { image: "" } }), "jobTemplate.image must be non-empty"],
  [
    "an image with a NUL byte",
    hook("r-nul-image", { hookName: "x", jobTemplate: { image: `busybox${NUL}` } }),
    "jobTemplate.image must not contain a NUL",
  ],
  [
    "a 5 KiB image",
    hook("r-long-image", { hookName: "x", jobTemplate: { image: "i".repeat(5 * KIB) } }),
    "spec.jobTemplate.image: Too long",
  ],
  [
    "jobTemplate with an unknown field",
    hook("r-unknown-template", { hookName: "x", jobTemplate: { image: "busybox", privileged: true } }),
    'unknown field "spec.jobTemplate.privileged"',
  ],
  [
    "jobTemplate.securityContext smuggled in",
    hook("r-smuggled-sc", { hookName: "x", jobTemplate: { securityContext: { privileged: true } } }),
    'unknown field "spec.jobTemplate.securityContext"',
  ],
  [
    "spec with an unknown field",
    hook("r-unknown-spec", { hookName: "x", hostNetwork: true }),
    'unknown field "spec.hostNetwork"',
  ],
  [
    "a command that is a string",
    hook("r-command-string", { hookName: "x", jobTemplate: { command: "rm -rf /" } }),
    "spec.jobTemplate.command: Invalid value",
  ],
  [
    "a command element with a NUL byte",
    hook("r-nul-command", { hookName: "x", jobTemplate: { command: [`sh${NUL}`] } }),
    "a command element must not contain a NUL",
  ],
  [
    "65 command elements",
    hook("r-many-command", { hookName: "x", jobTemplate: { command: Array(65).fill("x") } }),
    "spec.jobTemplate.command: Too many",
  ],
  [
    "an argument with a NUL byte",
    hook("r-nul-arg", { hookName: "x", jobTemplate: { args: [`a${NUL}b`] } }),
    "an argument must not contain a NUL",
  ],
  ["a 40 KiB argument", hook("r-long-arg", { hookName: "x", jobTemplate: { args: ["a".repeat(40 * KIB)] } }), "Too long"],
  ["10,000 parameters", hook("r-10k-params", { hookName: "x", parameters: params(10_000) }), "spec.parameters: Too many: 10000"],
  [
    "a 1 MiB parameter value",
    hook("r-1mib-value", { hookName: "x", parameters: [{ name: "big", value: "v".repeat(1024 * KIB) }] }),
    "Too long",
  ],
  [
    "a parameter value with a NUL byte",
    hook("r-nul-value", { hookName: "x", parameters: [{ name: "p", value: `a${NUL}b` }] }),
    "a parameter value must not contain a NUL",
  ],
  [
    "a parameter without a value",
    hook("r-no-value", { hookName: "x", parameters: [{ name: "p" }] }),
    "spec.parameters[0]: Invalid value: each parameter sets exactly one of value and valueFrom",
  ],
  [
    "a parameter with an empty name",
    hook("r-empty-param", { hookName: "x", parameters: [{ name: "", value: "v" }] }),
    "spec.parameters[0].name: Invalid value",
  ],
  [
    "a 129-character parameter name",
    hook("r-long-param", { hookName: "x", parameters: [{ name: "n".repeat(129), value: "v" }] }),
    "spec.parameters[0].name: Too long",
  ],
  [
    "two parameters of one name",
    hook("r-dup-param", {
      hookName: "x",
      parameters: [
        { name: "a", value: "1" },
        { name: "a", value: "2" },
      ],
    }),
    "spec.parameters[1]: Duplicate value",
  ],
  [
    "parameters as an object",
    hook("r-params-object", { hookName: "x", parameters: { name: "a", value: "1" } }),
    'unknown field "spec.parameters.name"',
  ],
  [
    "a nodeName with capitals and '_'",
    hook("r-node-caps", { hookName: "x", nodeName: "Node_A" }),
    "nodeName must be a node name",
  ],
  ["a nodeName with a space", hook("r-node-space", { hookName: "x", nodeName: "node a" }), "nodeName must be a node name"],
  ["a nodeName starting with '-'", hook("r-node-dash", { hookName: "x", nodeName: "-node" }), "nodeName must be a node name"],
  ["a unicode nodeName", hook("r-node-unicode", { hookName: "x", nodeName: "nöde" }), "nodeName must be a node name"],
  ["a nodeName with '..'", hook("r-node-dots", { hookName: "x", nodeName: "node..a" }), "nodeName must be a node name"],
  ["a nodeName with a path", hook("r-node-path", { hookName: "x", nodeName: "../../etc" }), "nodeName must be a node name"],
  [
    "a 64-character nodeName (a node name, but not a label value)",
    hook("r-node-64", { hookName: "x", nodeName: "n".repeat(64) }),
    "nodeName must be at most 63 characters: the hook's Job is pinned to the node by the label kubernetes.io/hostname",
  ],
  ["a 254-character nodeName", hook("r-node-long", { hookName: "x", nodeName: "n".repeat(254) }), "spec.nodeName: Too long"],
  ["privileged as a string", hook("r-privileged-string", { hookName: "x", privileged: "yes" }), "spec.privileged: Invalid value"],
  [
    "activeDeadlineSeconds 0",
    hook("r-deadline-0", { hookName: "x", activeDeadlineSeconds: 0 }),
    "spec.activeDeadlineSeconds: Invalid value",
  ],
  ["a negative backoffLimit", hook("r-backoff", { hookName: "x", backoffLimit: -1 }), "spec.backoffLimit: Invalid value"],
  [
    "a negative ttlSecondsAfterFinished",
    hook("r-ttl", { hookName: "x", ttlSecondsAfterFinished: -1 }),
    "spec.ttlSecondsAfterFinished: Invalid value",
  ],
  ["a 254-character name", hook("n".repeat(254), { hookName: "x" }), "Invalid value"],
  ["a name with capitals", hook("Bad_Name", { hookName: "x" }), "metadata.name: Invalid value"],
];

// [what, document, phase it ends in, what its status message or Job must show]
type Check = (status: { phase?: string; message?: string }, job: any) => void;
const env0 = (job: any): Record<string, string> =>
  Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
const accepted: Array<[string, object, string, Check]> = [
  [
    "parameters named NODE_ID and PLEXD_NODE_ID (cannot replace PLEXD_NODE_ID)",
    hook("a-node-id", {
      hookName: "x",
      nodeName: "node-a",
      parameters: [
        { name: "NODE_ID", value: "evil" },
        { name: "PLEXD_NODE_ID", value: "evil" },
      ],
    }),
    "Succeeded",
    (_s, job) =>
      expect(env0(job)).toMatchObject({
        PLEXD_NODE_ID: "node-a",
        PLEXD_PARAM_NODE_ID: "evil",
        PLEXD_PARAM_PLEXD_NODE_ID: "evil",
      }),
  ],
  [
    "a parameter named PATH (cannot replace PATH)",
    hook("a-path", { hookName: "x", nodeName: "node-a", parameters: [{ name: "PATH", value: "/evil" }] }),
    "Succeeded",
    (_s, job) => expect(Object.keys(env0(job))).toEqual(["PLEXD_NODE_ID", "PLEXD_HOOK_NAME", "PLEXD_PARAM_PATH"]),
  ],
  [
    "parameters disk-path and disk_path (one variable)",
    hook("a-collide", {
      hookName: "x",
      nodeName: "node-a",
      parameters: [
        { name: "disk-path", value: "1" },
        { name: "disk_path", value: "2" },
      ],
    }),
    "Failed",
    (s) =>
      expect(s.message).toContain(
        'Parameters "disk-path" and "disk_path" both become the environment variable PLEXD_PARAM_DISK_PATH',
      ),
  ],
  [
    "parameters a and A (one variable)",
    hook("a-case", {
      hookName: "x",
      nodeName: "node-a",
      parameters: [
        { name: "a", value: "1" },
        { name: "A", value: "2" },
      ],
    }),
    "Failed",
    (s) => expect(s.message).toContain("PLEXD_PARAM_A"),
  ],
  [
    "unicode values and names",
    hook("a-unicode", { hookName: "x", nodeName: "node-a", parameters: [{ name: "größe", value: "プレクス ✓ 🚀" }] }),
    "Succeeded",
    (_s, job) => expect(env0(job).PLEXD_PARAM_GR__E).toBe("プレクス ✓ 🚀"),
  ],
  [
    "a name of 253 characters (the Job name is shortened)",
    hook(`a-${"n".repeat(251)}`, { hookName: "x", nodeName: "node-a" }),
    "Succeeded",
    (_s, job) => expect(job.metadata.name.length).toBeLessThanOrEqual(63),
  ],
  ["a 63-character hookName", hook("a-hook-name-63", { hookName: "h".repeat(63), nodeName: "node-a" }), "Succeeded", () => {}],
  [
    "128 parameters, one of 32 KiB",
    hook("a-max-params", {
      hookName: "x",
      nodeName: "node-a",
      parameters: params(128, (i) => (i === 0 ? "v".repeat(32 * KIB) : `v${i}`)),
    }),
    "Succeeded",
    (_s, job) => expect(job.spec.template.spec.containers[0].env).toHaveLength(130),
  ],
  [
    "shell metacharacters in args (passed, never interpreted by the operator)",
    hook("a-shell", { hookName: "x", nodeName: "node-a", jobTemplate: { args: ["$(reboot); `halt` && rm -rf /"] } }),
    "Succeeded",
    (_s, job) => expect(job.spec.template.spec.containers[0].args).toEqual(["$(reboot); `halt` && rm -rf /"]),
  ],
  [
    "a status written on create (dropped by the API server, so it cannot skip the hook)",
    hook("a-forged-status", { hookName: "x", nodeName: "node-a" }, { status: { phase: "Succeeded", jobName: "elsewhere" } }),
    "Succeeded",
    (s, job) => expect([s.phase, job.metadata.name]).toEqual(["Succeeded", "plexdhook-a-forged-status"]),
  ],
  [
    "an image whose container exits with 3",
    hook("a-exit-3", { hookName: "x", nodeName: "node-a", jobTemplate: { image: "plexd.test/fail-exit-3" } }),
    "Failed",
    (s) => expect(s.message).toContain("exited with code 3"),
  ],
];

beforeAll(async () => {
  env = await sharedCluster();
  await env.namespace(NS);
  operator = startOperator(["--kubeconfig", env.operatorKubeconfig, "--namespace", NS, "--all-nodes"]);
  await operator.waitReady();
}, 600_000);

afterAll(async () => {
  if (operator && operator.proc.exitCode === null) await operator.stop();
});

describe(`${refused.length + accepted.length} malformed or hostile PlexdHooks`, () => {
  test.each(refused)("refused: %s", async (_what, document, message) => {
    const result = await env.tryK(["create", "-f", "-"], JSON.stringify(document));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  test("accepted ones run and end with a clear status", async () => {
    for (const [, document] of accepted) await env.k(["create", "-f", "-"], JSON.stringify(document));
    for (const [what, document, phase, check] of accepted) {
      const name = (document as { metadata: { name: string } }).metadata.name;
      const status = await waitFor(
        `${what} to end`,
        async () => {
          const s = (await env.json(["get", "plexdhook", name, "-n", NS])).status;
          return s?.phase === "Succeeded" || s?.phase === "Failed" ? s : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect([what, status.phase]).toEqual([what, phase]);
      const job = status.jobName ? await env.json(["get", "job", status.jobName, "-n", NS]) : undefined;
      check(status, job);
    }
  }, 180_000);

  test("the operator never crashed or stalled: it is alive and runs a plain hook at once", async () => {
    expect(operator.proc.exitCode).toBeNull();
    await env.k(["create", "-f", "-"], JSON.stringify(hook("canary", { hookName: "canary", nodeName: "node-b" })));
    await waitFor(
      "the canary hook to succeed",
      async () => (await env.json(["get", "plexdhook", "canary", "-n", NS])).status?.phase === "Succeeded",
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(operator.logs.filter((l) => l.level === "fatal")).toEqual([]);
  });
});
