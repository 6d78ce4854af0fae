// The webhook's certificate as docs/metacontroller.md makes it (its openssl commands, run as written), and the webhook serving it.

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { connect } from "node:tls";
import { waitFor } from "../../cluster/wait.ts";
import { codeBlocks } from "../../support/markdown.ts";
import { SecretVolume } from "../../support/secret-volume.ts";
import type { Setup } from "./cluster.ts";
import { type Operator, REPO, startOperator } from "./operator.ts";

const SECRET = "plexd-hook-webhook-tls";

/** The doc's two openssl blocks: [the CA and its ConfigMap, the webhook's certificate and its Secret]. */
function opensslBlocks(): string[] {
  const doc = readFileSync(join(REPO, "docs/metacontroller.md"), "utf8");
  return codeBlocks(doc)
    .filter((b) => b.heading.startsWith("With openssl") && b.lang === "sh")
    .map((b) => b.text);
}

export interface HttpsWebhook {
  webhook: Operator;
  /** host:port the webhook listens on (what the Service's name leads to). */
  address: string;
  /** The host name Metacontroller calls it by, which the certificate must name. */
  host: string;
  /** Runs the doc's renewal (the second block again) and projects the new Secret; returns the new certificate's serial. */
  renew(): Promise<string>;
  /** The serial of the certificate a new connection gets, verified against the CA as Metacontroller does. */
  servedSerial(): Promise<string>;
}

/**
 * Makes the certificate in `namespace` with the doc's commands (kubectl as admin, in `dir`), projects
 * the Secret into a kubelet-style volume (the kubelet's part, which no pod runs here), and starts
 * `plexd-hook webhook` with the flags the shipped Deployment passes.
 */
export async function startHttpsWebhook(env: Setup, namespace: string, dir: string): Promise<HttpsWebhook> {
  const blocks = opensslBlocks();
  if (blocks.length !== 2) throw new Error(`docs/metacontroller.md: want 2 openssl blocks, found ${blocks.length}`);
  const run = async (script: string) => {
    const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", script], {
      cwd: dir,
      env: {
        PATH: `${dirname(env.cluster.bin.kubectl)}:${process.env.PATH}`,
        KUBECONFIG: env.cluster.kubeconfig,
        NAMESPACE: namespace,
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    if (code !== 0) throw new Error(`the doc's commands failed (${code}): ${stderr.trim()}\n${script}`);
  };
  const volume = new SecretVolume(join(dir, "volume"));
  const project = async (): Promise<string> => {
    const secret = await env.json(["get", "secret", SECRET, "-n", namespace]);
    const data = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64")]),
    );
    volume.write(data);
    return new X509Certificate(data["tls.crt"] as Buffer).serialNumber;
  };
  for (const block of blocks) await run(block as string);
  await project();
  const webhook = startOperator([
    "webhook",
    "--addr",
    "127.0.0.1:0",
    "--tls-cert-file",
    volume.path("tls.crt"),
    "--tls-private-key-file",
    volume.path("tls.key"),
  ]);
  const url = await waitFor(
    "the webhook's address",
    () => webhook.logs.find((l) => l.msg === "plexd-hook webhook serving")?.url as string | undefined,
    { timeoutMs: 15_000 },
  );
  const address = new URL(url).host;
  const host = `plexd-hook-webhook.${namespace}`;
  const ca = (await env.json(["get", "configmap", "plexd-hook-webhook-ca", "-n", namespace])).data["ca.crt"];
  return {
    webhook,
    address,
    host,
    async renew() {
      await run(blocks[1] as string);
      return project();
    },
    servedSerial() {
      const [hostname, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
      return new Promise((resolve, reject) => {
        const socket = connect({ host: hostname, port, ca, servername: host }, () => {
          resolve(socket.getPeerCertificate().serialNumber);
          socket.end();
        });
        socket.on("error", reject);
      });
    },
  };
}
