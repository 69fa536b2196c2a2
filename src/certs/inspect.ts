import { X509Certificate } from "node:crypto";
import { CertificateError } from "./errors.js";
import { type DeviceKey, type KeyType, publicKeyDer } from "./keys.js";
import { canonicalIp, formatSan, type San } from "./names.js";

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

/**
 * The entries of Node's `subjectAltName` ("DNS:a, IP Address:1.2.3.4, email:…"). An entry's value is a
 * JSON string literal when it holds a comma, a quote or a control character (CVE-2021-44532), so
 * splitting at ", " is only safe outside such literals; this is how node:tls itself splits them.
 */
function altNameEntries(text: string): { kind: string; value: string }[] {
  const out: { kind: string; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(":", i);
    if (colon < 0) break;
    const kind = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      // Find the closing quote of the JSON literal (a backslash escapes the next character).
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, j + 1)) as string;
      end = j + 1;
    } else {
      const comma = text.indexOf(", ", colon + 1);
      end = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, end);
    }
    out.push({ kind, value });
    i = end + 2; // past ", "
  }
  return out;
}

/** The DNS and IP names of a certificate, in certificate order (IPv6 in its compressed spelling). */
function sansOf(cert: X509Certificate): San[] {
  const sans: San[] = [];
  for (const { kind, value } of altNameEntries(cert.subjectAltName ?? "")) {
    if (kind === "DNS") sans.push({ type: "dns", value });
    else if (kind === "IP Address") {
      // Node writes IPv6 uncompressed in upper case (0:0:0:0:0:0:0:1); the certificate holds bytes.
      const ip = canonicalIp(value);
      if (ip !== null) sans.push({ type: "ip", value: ip });
    }
  }
  return sans;
}

/**
 * The first CN of a distinguished name as Node prints it: one attribute per line, values escaped as
 * RFC 4514 does (`\,`, `\+`, `\0A` for control bytes).
 */
export function commonNameOf(subject: string): string | null {
  for (const line of subject.split("\n")) {
    // A multi-valued RDN ("CN=a + O=b") shares a line; its parts are joined by an unescaped " + ".
    for (const part of line.split(/(?<!\\) \+ /)) {
      if (!part.startsWith("CN=")) continue;
      // Escapes stand for bytes (UTF-8 passes through unescaped), so undo them on the bytes.
      const bytes = Buffer.from(part.slice(3), "utf8")
        .toString("latin1")
        .replace(/\\([0-9A-Fa-f]{2}|[\s\S])/g, (_, esc: string) =>
          esc.length === 2 ? String.fromCharCode(Number.parseInt(esc, 16)) : esc,
        );
      return Buffer.from(bytes, "latin1").toString("utf8");
    }
  }
  return null;
}

/** A date as X509Certificate prints it ("Jan 21 07:54:23 2109 GMT"). */
function certDate(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`unreadable date "${text}"`);
  return date;
}

/**
 * Parses a PEM certificate (the first one, when the file holds a chain); throws naming `file`. Node's
 * own X509Certificate reads everything a running device needs, so starting never loads an ASN.1 library.
 */
export async function parseCertificatePem(pem: string, file: string): Promise<CertificateInfo> {
  try {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate block");
    const node = new X509Certificate(pem);
    return {
      certPem: pem,
      fingerprintSha256: node.fingerprint256,
      notBefore: certDate(node.validFrom),
      notAfter: certDate(node.validTo),
      sans: sansOf(node),
      commonName: commonNameOf(node.subject),
      selfSigned: node.issuer === node.subject && node.verify(node.publicKey),
      publicKeyDer: node.publicKey.export({ type: "spki", format: "der" }),
    };
  } catch {
    throw new CertificateError(
      "damaged-cert",
      `${file} cannot be read: it is not a PEM certificate (damaged or wrong file)`,
    );
  }
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
