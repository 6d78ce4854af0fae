// The PlexdRollout `run --selector` creates: pure, so the tests can pin every field.

import { API_VERSION, ROLLOUT_KIND } from "../../constants.ts";
import { parseSelector } from "../../fleet/rollout/selector.ts";
import type { PlexdRolloutSpec } from "../../fleet/rollout/types.ts";
import { UsageError } from "../flags.ts";
import { buildRunHook } from "./hook.ts";
import type { RunRequest } from "./options.ts";

/** A rollout as `run` posts it: no uid or status yet. */
export interface NewRollout {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: PlexdRolloutSpec;
}

/**
 * The rollout that runs `request.command` on every node `--selector` picks. `--max-failures M` stops
 * it after M failures (a failure budget of M - 1); without it every node runs whatever fails.
 */
export function buildRunRollout(request: RunRequest, name: string, namespace: string): NewRollout {
  let nodeSelector: PlexdRolloutSpec["nodeSelector"];
  try {
    nodeSelector = parseSelector(request.selector ?? "");
  } catch (err) {
    throw new UsageError(`Invalid --selector: ${(err as Error).message}`);
  }
  const { nodeName: _, ...template } = buildRunHook(request, "", name, namespace).spec;
  return {
    apiVersion: API_VERSION,
    kind: ROLLOUT_KIND,
    metadata: { name, namespace },
    spec: {
      nodeSelector,
      template,
      strategy: {
        maxParallel: request.maxParallel,
        failureBudget: request.maxFailures === undefined ? "100%" : request.maxFailures - 1,
      },
    },
  };
}
