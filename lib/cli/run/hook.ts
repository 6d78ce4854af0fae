// The PlexdHook a `run` creates for one node: pure, so the table tests can pin every field.

import { API_VERSION, KIND, LABEL_RUN_ID } from "../../constants.ts";
import { fitName, MAX_JOB_NAME_LENGTH } from "../../core/names.ts";
import type { HookParameter, PlexdHookSpec } from "../../core/types.ts";
import type { RunRequest } from "./options.ts";

/** A hook as `run` posts it: no uid or status yet. */
export interface NewHook {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: PlexdHookSpec;
}

const ID_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const RUN_ID_LENGTH = 5;

/** A run id like the API server's generateName suffix: five characters, no vowels, so never a word. */
export function newRunId(random: () => number = Math.random): string {
  return Array.from({ length: RUN_ID_LENGTH }, () => ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)]).join("");
}

/** @internal The hook's name: `--name` for one node, else `run-<id>-<node>` (`<name>-<node>` with --selector and --name). */
export function hookResourceName(request: Pick<RunRequest, "name" | "selector">, runId: string, node: string): string {
  if (request.name && !request.selector) return request.name;
  return fitName(`${request.name ?? `run-${runId}`}-${node}`);
}

/** @internal spec.hookName: the command's base name as a label value (`/bin/df` → `df`), or `run`. */
export function hookNameFor(command: readonly string[]): string {
  const base = (command[0] ?? "").split("/").pop() ?? "";
  const cleaned = base
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "")
    .slice(0, MAX_JOB_NAME_LENGTH)
    .replace(/[^A-Za-z0-9]+$/, "");
  return cleaned || "run";
}

/** The PlexdHook that runs `request.command` on `node`, labelled with the run id. */
export function buildRunHook(request: RunRequest, node: string, runId: string, namespace: string): NewHook {
  const [command, ...args] = request.command;
  const jobTemplate = {
    ...(request.image !== undefined && { image: request.image }),
    ...(command !== undefined && { command: [command] }),
    ...(args.length > 0 && { args }),
  };
  const parameters: HookParameter[] = [
    ...request.params.map(({ name, value }) => ({ name, value })),
    ...request.secretParams.map(({ name, secret, key }) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } })),
  ];
  const spec: NewHook["spec"] = {
    hookName: hookNameFor(request.command),
    nodeName: node,
    ...(Object.keys(jobTemplate).length > 0 && { jobTemplate }),
    ...(parameters.length > 0 && { parameters }),
    ...(request.privileged && { privileged: true }),
    ...(request.timeoutSeconds !== undefined && { activeDeadlineSeconds: request.timeoutSeconds }),
    ...(request.keepOutput !== undefined && { output: { tailLines: request.keepOutput } }),
  };
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: hookResourceName(request, runId, node), namespace, labels: { [LABEL_RUN_ID]: runId } },
    spec,
  };
}
