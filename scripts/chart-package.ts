// Packs deploy/helm/plexd-hook into dist/plexd-hook-<version>.tgz, the layout `helm package` makes, but reproducible.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { reproducibleTarFlags } from "./toolchain.ts";

export const CHART_DIR = join(import.meta.dir, "..", "deploy", "helm", "plexd-hook");

/**
 * Writes `<dist>/plexd-hook-<version>.tgz` and returns its name. The links in the chart's files/
 * are followed, so the package carries the manifests themselves. Entries are sorted,
 * dated `epoch`, owned by 0:0 with fixed modes, and gzip -n leaves out the name and time.
 */
export function packChart(dist: string, version: string, epoch: number, run: (cmd: string[]) => string): string {
  const chart = parse(readFileSync(join(CHART_DIR, "Chart.yaml"), "utf8")) as {
    name: string;
    version: string;
    appVersion: string;
  };
  if (chart.version !== version || chart.appVersion !== version) {
    throw new Error(
      `deploy/helm/plexd-hook/Chart.yaml has version ${chart.version} and appVersion ${chart.appVersion}; both must be package.json's ${version}`,
    );
  }
  const name = `${chart.name}-${version}.tgz`;
  const tar = join(dist, `${chart.name}-${version}.tar`);
  run([
    "tar",
    "--create",
    `--file=${tar}`,
    `--directory=${join(CHART_DIR, "..")}`,
    "--dereference",
    ...reproducibleTarFlags(epoch),
    "--mode=u=rwX,go=rX",
    chart.name,
  ]);
  run(["gzip", "-n", "-9", tar]);
  run(["mv", `${tar}.gz`, join(dist, name)]);
  return name;
}
