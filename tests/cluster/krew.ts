// Finds krew in .cache/cluster/bin, building it once from krew/go.mod (its own module, so a krew bump never rebuilds the control plane).
import { ensureGoTool } from "./go-tool.ts";

/** The krew release go.mod pins, e.g. v0.4.3, for `kubectl krew version` (it says "unknown" without it). */
function krewVersion(goMod: string): string {
  const match = /^\s*sigs\.k8s\.io\/krew (v\d+\.\d+\.\d+)\s/m.exec(goMod);
  if (match === null) throw new Error("tests/cluster/krew/go.mod must require sigs.k8s.io/krew at a release version");
  return match[1]!;
}

/** Returns the path of kubectl-krew (kubectl finds plugins on PATH by that name), building it when needed. */
export function ensureKrew(): Promise<string> {
  return ensureGoTool({
    name: "krew",
    file: "kubectl-krew",
    buildArgs: (output, goMod) => [
      "build",
      "-trimpath",
      `-ldflags=-s -w -X sigs.k8s.io/krew/internal/version.gitTag=${krewVersion(goMod)}`,
      "-o",
      output,
      "sigs.k8s.io/krew/cmd/krew",
    ],
  });
}

if (import.meta.main) console.log(await ensureKrew());
