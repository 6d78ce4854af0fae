// Runs the cluster's own kubectl build against a kubeconfig and collects what it prints.
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runKubectl(kubectl: string, kubeconfig: string, args: string[], stdin?: string): Promise<KubectlResult> {
  const proc = Bun.spawn([kubectl, `--kubeconfig=${kubeconfig}`, ...args], {
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
