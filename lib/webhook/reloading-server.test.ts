// The webhook over real HTTPS: the certificate of its files is served, a rotation is picked up while requests run, a bad pair is refused.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { pino } from "pino";
import { createPki, issueServingCert, type Pki } from "../../tests/cluster/pki.ts";
import { waitFor } from "../../tests/cluster/wait.ts";
import { SecretVolume } from "../../tests/support/secret-volume.ts";
import { WebhookMetrics } from "./metrics.ts";
import { serveWebhook, type WebhookServer } from "./server.ts";

const DIR = mkdtempSync(join(tmpdir(), "plexd-webhook-reload-"));
const SANS = ["IP:127.0.0.1", "DNS:localhost"];
const body = readFileSync(join(import.meta.dir, "fixtures", "sync-v2-create.request.json"), "utf8");
let pki: Pki;
let ca: string;
/** Serving certificates issued by the test CA: [cert file, key file]. */
const issued: Array<{ cert: string; key: string }> = [];
const pair = (i: number): { cert: string; key: string } => {
  const found = issued[i];
  if (!found) throw new Error(`no certificate ${i}`);
  return found;
};

const serialOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).serialNumber;

/** The serial of the certificate the server presents to a new connection, verified against the CA. */
function servedSerial(port: number | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on("error", reject);
  });
}

const filesOf = (volume: SecretVolume) => ({ certFile: volume.path("tls.crt"), keyFile: volume.path("tls.key") });
const project = (volume: SecretVolume, issued: { cert: string; key: string }) =>
  volume.write({ "tls.crt": readFileSync(issued.cert), "tls.key": readFileSync(issued.key) });

function start(volume: SecretVolume, metrics = new WebhookMetrics(), logs: any[] = []): WebhookServer {
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  return serveWebhook({ addr: "127.0.0.1:0", tls: filesOf(volume), logger, metrics, checkMs: 50 });
}

const post = (server: WebhookServer) =>
  fetch(`https://localhost:${server.port}/sync`, { method: "POST", body, tls: { ca } }).then((r) => {
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    return r.json();
  });

beforeAll(async () => {
  pki = await createPki(join(DIR, "pki"));
  ca = readFileSync(pki.caCert, "utf8");
  for (const name of ["one", "two", "three"]) issued.push(await issueServingCert(pki, DIR, name, "plexd-hook-webhook", [], SANS));
});
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe("serveWebhook() with a certificate", () => {
  test("serves the hooks over HTTPS with the files' certificate, which the CA verifies", async () => {
    const volume = new SecretVolume(join(DIR, "serve"));
    project(volume, pair(0));
    const server = start(volume);
    try {
      expect(server.url.protocol).toBe("https:");
      expect(await servedSerial(server.port)).toBe(serialOf(pair(0).cert));
      expect(((await post(server)) as any).children).toHaveLength(1);
    } finally {
      await server.stop(true);
    }
  });

  test("a rotation of the Secret volume is served within a check, and requests running through it all succeed", async () => {
    const volume = new SecretVolume(join(DIR, "rotate"));
    project(volume, pair(0));
    const metrics = new WebhookMetrics();
    const logs: any[] = [];
    const server = start(volume, metrics, logs);
    const port = server.port;
    let running = true;
    let answered = 0;
    const failures: string[] = [];
    const client = async () => {
      while (running)
        await post(server).then(
          () => answered++,
          (err) => failures.push(String(err)),
        );
    };
    const clients = Array.from({ length: 6 }, client);
    try {
      await waitFor("requests to flow", () => answered > 20, { timeoutMs: 10_000 });
      for (const next of [pair(1), pair(2)]) {
        const before = answered;
        project(volume, next);
        const serial = serialOf(next.cert);
        await waitFor("the new certificate to be served", async () => (await servedSerial(port)) === serial, {
          timeoutMs: 5_000,
        });
        await waitFor("requests to flow on", () => answered > before + 20, { timeoutMs: 10_000 });
      }
    } finally {
      running = false;
      await Promise.all(clients);
      await server.stop(true);
    }
    expect(failures).toEqual([]);
    expect(server.port).toBe(port);
    const text = await metrics.registry.metrics();
    expect(text).toContain('plexd_hook_webhook_certificate_reloads_total{result="reloaded"} 2');
    const notAfter = new X509Certificate(readFileSync(pair(2).cert)).validToDate.getTime() / 1000;
    expect(text).toContain(`plexd_hook_webhook_certificate_expiry_timestamp_seconds ${notAfter}`);
    expect(logs.filter((l) => l.msg === "webhook certificate served").map((l) => l.serial)).toEqual(
      issued.map((p) => serialOf(p.cert)),
    );
  });

  test("a half-written rotation (a new certificate, the old key) is refused once and the old certificate stays, until the key comes", async () => {
    const dir = join(DIR, "half");
    mkdirSync(dir);
    const files = { certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key") };
    const [one, two] = [pair(0), pair(1)];
    copyFileSync(one.cert, files.certFile);
    copyFileSync(one.key, files.keyFile);
    const metrics = new WebhookMetrics();
    const logs: any[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const server = serveWebhook({ addr: "127.0.0.1:0", tls: files, logger, metrics, checkMs: 50 });
    try {
      copyFileSync(two.cert, files.certFile);
      await waitFor("the refusal", () => logs.some((l) => l.msg.startsWith("webhook certificate not reloaded")), {
        timeoutMs: 5_000,
      });
      await Bun.sleep(300); // several more checks
      const refusals = logs.filter((l) => l.msg.startsWith("webhook certificate not reloaded"));
      expect(refusals).toHaveLength(1);
      expect(refusals[0].error).toBe(
        `${files.keyFile} is not the private key of ${files.certFile} (serial ${serialOf(two.cert)})`,
      );
      expect(await servedSerial(server.port)).toBe(serialOf(one.cert));
      expect(((await post(server)) as any).children).toHaveLength(1);

      writeFileSync(files.keyFile, readFileSync(two.key));
      await waitFor("the new pair", async () => (await servedSerial(server.port)) === serialOf(two.cert), { timeoutMs: 5_000 });
      const text = await metrics.registry.metrics();
      expect(text).toContain('plexd_hook_webhook_certificate_reloads_total{result="refused"} 1');
      expect(text).toContain('plexd_hook_webhook_certificate_reloads_total{result="reloaded"} 1');
    } finally {
      await server.stop(true);
    }
  });

  test("files that cannot be read keep the certificate served; files that cannot be read at start are an error naming them", async () => {
    const volume = new SecretVolume(join(DIR, "gone"));
    project(volume, pair(0));
    const logs: any[] = [];
    const server = start(volume, new WebhookMetrics(), logs);
    try {
      rmSync(join(volume.dir, "..data"));
      await waitFor("the refusal", () => logs.find((l) => l.msg.startsWith("webhook certificate not reloaded")), {
        timeoutMs: 5_000,
      });
      expect(await servedSerial(server.port)).toBe(serialOf(pair(0).cert));
    } finally {
      await server.stop(true);
    }
    const missing = { certFile: join(DIR, "none.crt"), keyFile: join(DIR, "none.key") };
    expect(() =>
      serveWebhook({ addr: "127.0.0.1:0", tls: missing, logger: pino({ level: "silent" }), metrics: new WebhookMetrics() }),
    ).toThrow(`cannot read the certificate ${missing.certFile}`);
  });

  test("stop() closes the port and ends the checks", async () => {
    const volume = new SecretVolume(join(DIR, "stop"));
    project(volume, pair(0));
    const logs: any[] = [];
    const server = start(volume, new WebhookMetrics(), logs);
    const port = server.port;
    await server.stop();
    project(volume, pair(1));
    await Bun.sleep(200);
    expect(logs.filter((l) => l.msg === "webhook certificate served")).toHaveLength(1);
    await expect(servedSerial(port)).rejects.toThrow();
  });
});
