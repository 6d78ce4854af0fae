import { expect, test } from "bun:test";
import { paramEnvName } from "./env.ts";

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
