import { X509Certificate } from "node:crypto";
import { CertificateError } from "./errors.js";
import { type DeviceKey, type KeyType, publicKeyDer } from "./keys.js";
import { formatSan, type San } from "./names.js";
import { x509 } from "./x509.js";

/** What a certificate file says, independent of any key. */
export interface CertificateInfo {
  certPem: string;
  /** SHA-256 of the DER, upper-case hex pairs joined by colons, as browsers show it. */
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  /** DNS and IP names, in certificate order (other name kinds are left out). */
  sans: San[];
  /** The subject CN, which OWTS sets to the device's hostname. */
  commonName: string | null;
  /** Issued and signed by its own key, as a device-made certificate is. */
  selfSigned: boolean;
  publicKeyDer: Buffer;
}

/** A certificate and the private key that belongs to it, ready for `tls.createSecureContext`. */
export interface DeviceCertificate {
  certPem: string;
  keyPem: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  /** `DNS:…` / `IP:…`, in certificate order. */
  sans: string[];
  keyType: KeyType;
  /** "ECDSA P-256", "RSA 2048". */
  keyDescription: string;
  /** The subject CN (the device hostname for certificates OWTS made). */
  hostname: string | null;
  selfSigned: boolean;
}

/**
 * The short form of a SHA-256 fingerprint for places with little room (mDNS TXT): the first 16 bytes
 * as 32 lower-case hex digits. 128 bits still cannot be matched by a made-up certificate.
 */
export function shortFingerprint(fingerprintSha256: string): string {
  return fingerprintSha256.replaceAll(":", "").slice(0, 32).toLowerCase();
}

/** Parses a PEM certificate (the first one, when the file holds a chain); throws naming `file`. */
export async function parseCertificatePem(pem: string, file: string): Promise<CertificateInfo> {
  let node: X509Certificate;
  let cert: x509.X509Certificate;
  try {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate block");
    node = new X509Certificate(pem);
    cert = new x509.X509Certificate(new Uint8Array(node.raw));
  } catch {
    throw new CertificateError(
      "damaged-cert",
      `${file} cannot be read: it is not a PEM certificate (damaged or wrong file)`,
    );
  }
  const sans: San[] = [];
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of ext?.names.items ?? []) {
    if (name.type === "dns" || name.type === "ip") sans.push({ type: name.type, value: name.value });
  }
  return {
    certPem: pem,
    fingerprintSha256: node.fingerprint256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans,
    commonName: cert.subjectName.getField("CN")[0] ?? null,
    selfSigned: node.issuer === node.subject && node.verify(node.publicKey),
    publicKeyDer: node.publicKey.export({ type: "spki", format: "der" }),
  };
}

/** Joins a certificate and a key after proving the certificate was issued for that key. */
export function pairCertificate(
  cert: CertificateInfo,
  key: DeviceKey,
  keyPem: string,
  files: { cert: string; key: string },
): DeviceCertificate {
  if (!cert.publicKeyDer.equals(publicKeyDer(key)))
    throw new CertificateError(
      "mismatch",
      `${files.cert} was not issued for ${files.key} (their public keys differ)`,
    );
  return {
    certPem: cert.certPem,
    keyPem,
    fingerprintSha256: cert.fingerprintSha256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans: cert.sans.map(formatSan),
    keyType: key.keyType,
    keyDescription: key.description,
    hostname: cert.commonName,
    selfSigned: cert.selfSigned,
  };
}
