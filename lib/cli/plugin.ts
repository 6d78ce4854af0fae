// How the binary was started: as plexd-hook, or as the kubectl plugin kubectl-plexd (a link or copy of it).

import { basename } from "node:path";

const PLUGIN_FILE = "kubectl-plexd";

export interface Program {
  /** How help and hints spell the program: "plexd-hook" or "kubectl plexd". */
  name: string;
  /** Started as kubectl-plexd: with no command it shows help, since a plugin never runs the operator by accident. */
  plugin: boolean;
}

/** Reads `argv0` (process.argv0, the name the program was started by, as kubectl passes it). */
export function programFor(argv0: string): Program {
  // kubectl-plexd, or a copy named e.g. kubectl-plexd.exe or kubectl-plexd-0.1.0.
  const plugin = basename(argv0).startsWith(PLUGIN_FILE);
  return { name: plugin ? "kubectl plexd" : "plexd-hook", plugin };
}

/** What `kubectl plexd` alone or with --help prints. */
export function pluginHelp(version: string): string {
  return [
    `kubectl plexd ${version}: runs commands on nodes as PlexdHooks of the plexd-hook operator`,
    "",
    "Usage:",
    "  kubectl plexd run NODE [flags] -- COMMAND [ARG...]      run on one node; exits with the command's exit code",
    "  kubectl plexd run --selector KEY=VALUE [flags] -- ...   run on every matching node as a PlexdRollout",
    "  kubectl plexd rollout status|pause|resume|abort NAME    follow or steer a PlexdRollout",
    "  kubectl plexd logs HOOK [-f]                            a hook's container log",
    "  kubectl plexd manifests | kubectl apply -f -            install plexd-hook",
    "  kubectl plexd version",
    "",
    "Run 'kubectl plexd COMMAND --help' for a command's flags.",
    "",
  ].join("\n");
}
