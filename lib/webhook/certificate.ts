// The webhook's serving certificate: read from its PEM files, checked as a pair, and described for logs and metrics.

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";

/** Where the certificate (PEM, the leaf first, then any intermediates) and its private key are read from. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate and its key as read, with what identifies it. */
export interface ServingCertificate {
  cert: string;
  key: string;
  serial: string;
  fingerprint256: string;
  notAfter: Date;
}

/** Whether two reads of the files hold the same bytes. */
export function sameFiles(a: Pick<ServingCertificate, "cert" | "key">, b: Pick<ServingCertificate, "cert" | "key">): boolean {
  return a.cert === b.cert && a.key === b.key;
}

/** The files' text; throws an Error naming the file that cannot be read. */
export function readFiles(files: CertificateFiles): Pick<ServingCertificate, "cert" | "key"> {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      throw new Error(`cannot read the ${what} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read(files.certFile, "certificate"), key: read(files.keyFile, "private key") };
}

/**
 * Checks the pair: the certificate parses, the key parses, and the key is the certificate's. Throws a
 * TypeError saying which, so a half-written rotation (new certificate, old key) is refused, not served.
 */
export function checkCertificate(pair: Pick<ServingCertificate, "cert" | "key">, files: CertificateFiles): ServingCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pair.cert);
  } catch (err) {
    throw new TypeError(`${files.certFile} holds no PEM certificate: ${(err as Error).message}`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(pair.key);
  } catch (err) {
    throw new TypeError(`${files.keyFile} holds no PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(key)) {
    throw new TypeError(`${files.keyFile} is not the private key of ${files.certFile} (serial ${x509.serialNumber})`);
  }
  return { ...pair, serial: x509.serialNumber, fingerprint256: x509.fingerprint256, notAfter: x509.validToDate };
}
