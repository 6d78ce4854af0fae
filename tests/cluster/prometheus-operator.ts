// The Prometheus Operator's CRDs (PodMonitor, PrometheusRule), from its Go module, so the chart's objects meet their real schemas.
import { join } from "node:path";

/** The module whose example/prometheus-operator-crd/ holds the CRDs, at the version they are taken from. */
const MODULE = "github.com/prometheus-operator/prometheus-operator@v0.85.0";

/** Downloads the module through the Go module proxy (once; Go caches it) and returns the CRD files for `kinds`, e.g. "podmonitors". */
export async function prometheusOperatorCrds(kinds: string[]): Promise<string[]> {
  const go = Bun.which("go") ?? "/usr/local/go/bin/go";
  // Outside any module, so go.mod files of the repo play no part.
  const proc = Bun.spawn([go, "mod", "download", "-json", MODULE], { cwd: "/", stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`go mod download ${MODULE} failed (${code}): ${(out + err).trim()}`);
  const { Dir } = JSON.parse(out) as { Dir: string };
  return kinds.map((kind) => join(Dir, "example", "prometheus-operator-crd", `monitoring.coreos.com_${kind}.yaml`));
}
