// Finds promtool in .cache/cluster/bin, building it once from promtool/go.mod (its own module, so a Prometheus bump never rebuilds the control plane).
import { ensureGoTool } from "./go-tool.ts";

const PKG = "github.com/prometheus/prometheus/cmd/promtool";
// The rules' checks and tests need no service discovery: leaving out its 25 plugins halves the build.
const TAGS = "remove_all_sd";

/**
 * The Prometheus release a module version stands for: the Go module of Prometheus 3.16.0 is
 * v0.316.0, so `promtool --version` can say 3.16.0 instead of nothing.
 */
function prometheusVersion(goMod: string): string {
  const match = /^\s*github\.com\/prometheus\/prometheus v0\.(\d)(\d\d)\.(\d+)\s/m.exec(goMod);
  if (match === null)
    throw new Error("tests/cluster/promtool/go.mod must require github.com/prometheus/prometheus at a v0.3xx.y version");
  return `${match[1]}.${Number(match[2])}.${match[3]}`;
}

/** Returns the path of promtool, building it when missing or built from another go.mod; one build at a time. */
export function ensurePromtool(): Promise<string> {
  return ensureGoTool({
    name: "promtool",
    file: "promtool",
    buildArgs(output, goMod) {
      const ldflags = `-s -w -X github.com/prometheus/common/version.Version=${prometheusVersion(goMod)}`;
      return ["build", "-trimpath", `-tags=${TAGS}`, `-ldflags=${ldflags}`, "-o", output, PKG];
    },
  });
}

if (import.meta.main) console.log(await ensurePromtool());
