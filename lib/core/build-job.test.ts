import { describe, expect, test } from "bun:test";
import { seedSpec } from "../../tests/support/seed.ts";
import { buildJob } from "./build-job.ts";
import type { PlexdHook } from "./types.ts";

/** The seed's example hook. */
function seedHook(overrides: Partial<PlexdHook["spec"]> = {}): PlexdHook {
  return {
    apiVersion: "plexd.plexsphere.com/v1alpha1",
    kind: "PlexdHook",
    metadata: { name: "disk-check-node01", namespace: "plexd-system", uid: "0f0e-uid" },
    spec: seedSpec(overrides),
  };
}

const job = buildJob(seedHook(), "node01");
const pod = job.spec?.template.spec;
const container = pod?.containers[0];

describe("buildJob() follows every row of the seed's Job tables", () => {
  const rows: Array<[string, unknown, unknown]> = [
    ["Job name is plexdhook-{resource-name}", job.metadata?.name, "plexdhook-disk-check-node01"],
    ["namespace is the hook's", job.metadata?.namespace, "plexd-system"],
    ["nodeSelector pins kubernetes.io/hostname to the node", pod?.nodeSelector, { "kubernetes.io/hostname": "node01" }],
    ["owner apiVersion", job.metadata?.ownerReferences?.[0]?.apiVersion, "plexd.plexsphere.com/v1alpha1"],
    ["owner kind", job.metadata?.ownerReferences?.[0]?.kind, "PlexdHook"],
    ["owner name", job.metadata?.ownerReferences?.[0]?.name, "disk-check-node01"],
    ["owner uid", job.metadata?.ownerReferences?.[0]?.uid, "0f0e-uid"],
    ["owner controller", job.metadata?.ownerReferences?.[0]?.controller, true],
    ["owner blockOwnerDeletion", job.metadata?.ownerReferences?.[0]?.blockOwnerDeletion, true],
    ["exactly one owner reference", job.metadata?.ownerReferences?.length, 1],
    ["label app.kubernetes.io/managed-by", job.metadata?.labels?.["app.kubernetes.io/managed-by"], "plexd"],
    ["label plexd.plexsphere.com/hook-name", job.metadata?.labels?.["plexd.plexsphere.com/hook-name"], "disk-check"],
    ["label plexd.plexsphere.com/node", job.metadata?.labels?.["plexd.plexsphere.com/node"], "node01"],
    ["non-privileged: readOnlyRootFilesystem", container?.securityContext?.readOnlyRootFilesystem, true],
    ["non-privileged: drop capabilities [ALL]", container?.securityContext?.capabilities?.drop, ["ALL"]],
    ["non-privileged: allowPrivilegeEscalation false", container?.securityContext?.allowPrivilegeEscalation, false],
    ["non-privileged: not privileged", container?.securityContext?.privileged, undefined],
    ["serviceAccountName", pod?.serviceAccountName, "plexd"],
    ["restartPolicy", pod?.restartPolicy, "Never"],
    ["automountServiceAccountToken off", pod?.automountServiceAccountToken, false],
    ["non-privileged: seccomp RuntimeDefault", container?.securityContext?.seccompProfile, { type: "RuntimeDefault" }],
    [
      "tolerates every taint, a lost node's NoExecute taints for 300 s only (listed first: the first match counts)",
      pod?.tolerations,
      [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { operator: "Exists" },
      ],
    ],
    [
      "stays off control-plane nodes",
      pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
      [
        {
          matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
        },
      ],
    ],
    ["one container named hook", pod?.containers.map((c) => c.name), ["hook"]],
    ["image from jobTemplate", container?.image, "alpine:3.19"],
    ["command from jobTemplate", container?.command, ["/bin/sh", "-c"]],
    ["args from jobTemplate", container?.args, ["df -h /dev/sda1"]],
    ["backoffLimit defaults to 0", job.spec?.backoffLimit, 0],
    ["a 6-hour deadline unless asked", job.spec?.activeDeadlineSeconds, 21_600],
    ["no TTL unless asked", job.spec?.ttlSecondsAfterFinished, undefined],
    ["pod template carries the labels", job.spec?.template.metadata?.labels?.["plexd.plexsphere.com/node"], "node01"],
    [
      "env: node, hook name, then parameters in spec order",
      container?.env,
      [
        { name: "PLEXD_NODE_ID", value: "node01" },
        { name: "PLEXD_HOOK_NAME", value: "disk-check" },
        { name: "PLEXD_PARAM_DISK_PATH", value: "/dev/sda1" },
        { name: "PLEXD_PARAM_THRESHOLD", value: "90" },
      ],
    ],
  ];
  test.each(rows)("%s", (_row, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe("buildJob() variations", () => {
  const cases: Array<[string, Partial<PlexdHook["spec"]>, (j: ReturnType<typeof buildJob>) => unknown, unknown]> = [
    [
      "privileged sets privileged: true and nothing else",
      { privileged: true },
      (j) => j.spec?.template.spec?.containers[0]?.securityContext,
      { privileged: true },
    ],
    [
      "omitted jobTemplate uses busybox:latest",
      { jobTemplate: undefined },
      (j) => j.spec?.template.spec?.containers[0]?.image,
      "busybox:latest",
    ],
    [
      "omitted jobTemplate sets no command",
      { jobTemplate: undefined },
      (j) => j.spec?.template.spec?.containers[0]?.command,
      undefined,
    ],
    [
      "jobTemplate without image uses busybox:latest",
      { jobTemplate: { command: ["true"] } },
      (j) => j.spec?.template.spec?.containers[0]?.image,
      "busybox:latest",
    ],
    [
      "no parameters gives just the two base variables",
      { parameters: undefined },
      (j) => j.spec?.template.spec?.containers[0]?.env?.map((e) => e.name),
      ["PLEXD_NODE_ID", "PLEXD_HOOK_NAME"],
    ],
    [
      "allowControlPlane drops the control-plane affinity",
      { allowControlPlane: true },
      (j) => j.spec?.template.spec?.affinity,
      undefined,
    ],
    ["backoffLimit from the spec", { backoffLimit: 3 }, (j) => j.spec?.backoffLimit, 3],
    ["activeDeadlineSeconds from the spec", { activeDeadlineSeconds: 30 }, (j) => j.spec?.activeDeadlineSeconds, 30],
    ["ttlSecondsAfterFinished from the spec", { ttlSecondsAfterFinished: 600 }, (j) => j.spec?.ttlSecondsAfterFinished, 600],
  ];
  test.each(cases)("buildJob(): %s", (_name, spec, pick, expected) => {
    expect(pick(buildJob(seedHook(spec), "node01"))).toEqual(expected);
  });

  test("buildJob() refuses parameters whose variable names collide, naming both", () => {
    const hook = seedHook({
      parameters: [
        { name: "disk-path", value: "a" },
        { name: "disk_path", value: "b" },
      ],
    });
    expect(() => buildJob(hook, "node01")).toThrow(
      'Parameters "disk-path" and "disk_path" both become the environment variable PLEXD_PARAM_DISK_PATH: rename one of them',
    );
  });

  test("buildJob() returns fresh objects: changing one Job never changes another", () => {
    const a = buildJob(seedHook(), "node01");
    a.spec!.template.spec!.containers[0]!.securityContext!.capabilities!.drop!.push("X");
    expect(buildJob(seedHook(), "node01").spec?.template.spec?.containers[0]?.securityContext?.capabilities?.drop).toEqual([
      "ALL",
    ]);
  });

  test("buildJob() is deterministic", () => {
    expect(buildJob(seedHook(), "n")).toEqual(buildJob(seedHook(), "n"));
  });
});
