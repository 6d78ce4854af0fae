// `plexd-hook webhook` and `plexd-hook manifests --mode`, through main() with flags passed in.

import { describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { main } from "../../main.ts";
import { waitFor } from "../../tests/cluster/wait.ts";
import { parseCli } from "./flags.ts";

function run(argv: string[], signal = new AbortController().signal) {
  const out = { stdout: "", stderr: "" };
  const io = { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } };
  return { out, code: main(argv, { HOME: "/nonexistent-home" }, io, signal) };
}

describe("parseCli() for the webhook", () => {
  test("webhook defaults to :8080 over HTTP; --addr and the TLS pair set it", () => {
    expect(parseCli(["webhook"], {})).toMatchObject({ command: "webhook", addr: ":8080" });
    expect(parseCli(["webhook"], {}).tls).toBeUndefined();
    const tls = ["webhook", "--addr", "127.0.0.1:9443", "--tls-cert-file", "c.pem", "--tls-private-key-file", "k.pem"];
    expect(parseCli(tls, {})).toMatchObject({ addr: "127.0.0.1:9443", tls: { certFile: "c.pem", keyFile: "k.pem" } });
  });

  test.each([
    [["webhook", "--tls-cert-file", "c.pem"], "--tls-cert-file and --tls-private-key-file go together"],
    [["webhook", "--tls-private-key-file", "k.pem"], "--tls-cert-file and --tls-private-key-file go together"],
    [["manifests", "--mode", "helm"], "Invalid --mode: helm (native or metacontroller)"],
  ])("parseCli(%p) refuses: %s", (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(message);
  });
});

describe("main()", () => {
  test("manifests --mode metacontroller prints the CompositeController and the webhook, not the DaemonSet", async () => {
    const { out, code } = run(["manifests", "--mode", "metacontroller"]);
    expect(await code).toBe(0);
    const kinds = parseAllDocuments(out.stdout).map((d) => d.get("kind"));
    expect(kinds).toContain("CompositeController");
    expect(kinds).toContain("Deployment");
    expect(kinds).not.toContain("DaemonSet");
  });

  test("webhook serves until the signal, logs where, and exits 0", async () => {
    const stop = new AbortController();
    const { out, code } = run(["webhook", "--addr", "127.0.0.1:0"], stop.signal);
    const url = await waitFor("the webhook's address", () => /"url":"([^"]+)"/.exec(out.stderr)?.[1]);
    expect(out.stderr).toContain("plexd-hook webhook serving");
    expect((await fetch(`${url}healthz`)).status).toBe(200);
    expect((await fetch(`${url}sync`, { method: "POST", body: "{" })).status).toBe(400);
    stop.abort(new Error("received SIGTERM"));
    expect(await code).toBe(0);
    expect(out.stderr).toContain("plexd-hook webhook stopped");
    await expect(fetch(`${url}healthz`)).rejects.toThrow();
  });

  test("webhook on an address it cannot use says so and exits 1", async () => {
    const { out, code } = run(["webhook", "--addr", "127.0.0.1:99999"]);
    expect(await code).toBe(1);
    expect(out.stderr).toContain("error: cannot serve the webhook on 127.0.0.1:99999: Invalid address");
  });
});
