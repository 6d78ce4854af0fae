// Issues the throwaway CA, serving and client certificates and service-account keys of one cluster.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

/** The files of a cluster's PKI; every path is absolute and inside the cluster's directory. */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saPrivateKey: string;
  saPublicKey: string;
}

/** A client certificate and its key. */
export interface ClientCert {
  cert: string;
  key: string;
}

// The first address of the service range; pods reach the API server there as kubernetes.default.
export const KUBERNETES_SERVICE_IP = "10.0.0.1";

// P-256 keys take milliseconds to generate where RSA takes a good part of a second each.
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const VALID_DAYS = "3650";

async function openssl(args: string[]): Promise<void> {
  const proc = Bun.spawn(["openssl", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${code}): ${stderr.trim()}`);
}

function subject(commonName: string, organisations: readonly string[]): string {
  return `/CN=${commonName}${organisations.map((o) => `/O=${o}`).join("")}`;
}

/** Signs a certificate for `subject` with the cluster's CA; `extensions` are openssl -addext values. */
async function issueCert(pki: Pki, dir: string, fileName: string, subj: string, extensions: string[]): Promise<ClientCert> {
  const cert = join(dir, `${fileName}.crt`);
  const key = join(dir, `${fileName}.key`);
  const addext = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", ...extensions];
  await openssl([
    "req",
    "-x509",
    ...NEW_KEY,
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    VALID_DAYS,
    "-subj",
    subj,
    "-CA",
    pki.caCert,
    "-CAkey",
    pki.caKey,
    ...addext.flatMap((ext) => ["-addext", ext]),
  ]);
  return { cert, key };
}

/** Signs a client certificate for `user` in `groups` with the cluster's CA. */
export function issueClientCert(
  pki: Pki,
  dir: string,
  fileName: string,
  user: string,
  groups: readonly string[] = [],
): Promise<ClientCert> {
  return issueCert(pki, dir, fileName, subject(user, groups), ["extendedKeyUsage=clientAuth"]);
}

/** Signs a serving certificate (a kubelet's) for `user` in `groups`, valid for `sans` (`DNS:x`, `IP:y`). */
export function issueServingCert(
  pki: Pki,
  dir: string,
  fileName: string,
  user: string,
  groups: readonly string[],
  sans: readonly string[],
): Promise<ClientCert> {
  return issueCert(pki, dir, fileName, subject(user, groups), [
    "extendedKeyUsage=serverAuth",
    `subjectAltName=${sans.join(",")}`,
  ]);
}

/**
 * Creates the CA, the API server's serving certificate (also valid for `extraIps`) and the
 * service-account key pair in `dir`.
 */
export async function createPki(dir: string, extraIps: readonly string[] = []): Promise<Pki> {
  const pki: Pki = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "apiserver.crt"),
    serverKey: join(dir, "apiserver.key"),
    saPrivateKey: join(dir, "sa.key"),
    saPublicKey: join(dir, "sa.pub"),
  };
  const sans = [
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "IP:127.0.0.1",
    `IP:${KUBERNETES_SERVICE_IP}`,
    ...extraIps.map((ip) => `IP:${ip}`),
  ].join(",");

  await mkdir(dir, { recursive: true });
  const caThenServer = openssl([
    "req",
    "-x509",
    ...NEW_KEY,
    "-keyout",
    pki.caKey,
    "-out",
    pki.caCert,
    "-days",
    VALID_DAYS,
    "-subj",
    "/CN=plexd-test-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]).then(() =>
    issueCert(pki, dir, "apiserver", "/CN=kube-apiserver", ["extendedKeyUsage=serverAuth", `subjectAltName=${sans}`]),
  );
  const serviceAccountKeys = openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    pki.saPrivateKey,
  ]).then(() => openssl(["pkey", "-in", pki.saPrivateKey, "-pubout", "-out", pki.saPublicKey]));
  await Promise.all([caThenServer, serviceAccountKeys]);
  return pki;
}
