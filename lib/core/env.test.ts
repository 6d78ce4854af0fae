import { expect, test } from "bun:test";
import { buildEnv, paramEnvName } from "./env.ts";

const cases: Array<[string, string]> = [
  ["disk-path", "PLEXD_PARAM_DISK_PATH"],
  ["threshold", "PLEXD_PARAM_THRESHOLD"],
  ["already_UPPER", "PLEXD_PARAM_ALREADY_UPPER"],
  ["dots.and spaces", "PLEXD_PARAM_DOTS_AND_SPACES"],
  ["a/b:c", "PLEXD_PARAM_A_B_C"],
  ["x1-2", "PLEXD_PARAM_X1_2"],
  ["größe", "PLEXD_PARAM_GR__E"],
];

test.each(cases)("paramEnvName(%p) is %p", (name, expected) => {
  expect(paramEnvName(name)).toBe(expected);
});

test("buildEnv() passes valueFrom through for the kubelet to resolve, keeping spec order and value parameters as they were", () => {
  const env = buildEnv(
    {
      hookName: "h",
      parameters: [
        { name: "plain", value: "1" },
        { name: "db-password", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
        { name: "level", valueFrom: { configMapKeyRef: { name: "settings", key: "level", optional: true } } },
      ],
    },
    "node-a",
  );
  expect(env.slice(2)).toEqual([
    { name: "PLEXD_PARAM_PLAIN", value: "1" },
    { name: "PLEXD_PARAM_DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
    { name: "PLEXD_PARAM_LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "level", optional: true } } },
  ]);
});
