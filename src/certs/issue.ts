import { randomBytes, X509Certificate } from "node:crypto";
import type { ClubCa } from "./ca.js";
import { CertificateError } from "./errors.js";
import { type DeviceKey, toCryptoKeyPair } from "./keys.js";
import type { San } from "./names.js";
import { loadX509, type X509 } from "./x509.js";

export const DEFAULT_DAYS = 3650;
export const MAX_DAYS = 36500;
/**
 * Longest life of a CA-issued unit certificate. Apple refuses trusted server certificates valid for
 * more than 825 days and browsers cap public ones at 398; 397 stays under every limit with a day to spare.
 */
export const CA_ISSUED_DAYS = 397;
const DAY_MS = 86_400_000;
/** Clients whose clock runs a little behind the device must not see a "not yet valid" certificate. */
const BACKDATE_MS = 3_600_000;

export function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
    throw new CertificateError(
      "bad-days",
      `validity "${days}" must be a whole number of days from 1 to ${MAX_DAYS}`,
    );
  return days;
}

/** 16 random bytes, top bit clear (positive) and second-highest set (no leading zero byte in DER). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString("hex");
}

export interface IssueParams {
  key: DeviceKey;
  /** Goes into the subject CN; it should also be one of `sans`. */
  hostname: string;
  sans: readonly San[];
  days: number;
  now?: Date;
}

function leafExtensions(x509: typeof X509, key: DeviceKey, sans: readonly San[]): X509.Extension[] {
  const usages =
    key.keyType === "rsa"
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    new x509.SubjectAlternativeNameExtension(
      sans.map((san) => ({ type: san.type, value: san.value })),
      false,
    ),
  ];
}

/**
 * The device certificate signed by the club CA: at most CA_ISSUED_DAYS and never past the CA's own
 * expiry (a chain is only as valid as its shortest link).
 */
export async function issueCaSignedPem(params: IssueParams & { ca: ClubCa }): Promise<string> {
  const { key, hostname, sans, ca } = params;
  const days = Math.min(checkDays(params.days), CA_ISSUED_DAYS);
  const x509 = await loadX509();
  const now = params.now ?? new Date();
  const keys = await toCryptoKeyPair(key);
  const caKeys = await toCryptoKeyPair(ca.key);
  const notAfter = Math.min(now.getTime() + days * DAY_MS, ca.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [hostname] }],
    issuer: new x509.X509Certificate(new Uint8Array(new X509Certificate(ca.certPem).raw)).subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ca.key.signing,
    extensions: [
      ...leafExtensions(x509, key, sans),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return `${cert.toString("pem")}\n`;
}

/** A self-signed TLS server certificate for the device, as PEM. */
export async function issueSelfSignedPem(params: IssueParams): Promise<string> {
  const { key, hostname, sans } = params;
  const days = checkDays(params.days);
  const x509 = await loadX509();
  const now = params.now ?? new Date();
  const keys = await toCryptoKeyPair(key);
  const usages =
    key.keyType === "rsa"
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [hostname] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    keys,
    signingAlgorithm: key.signing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.SubjectAlternativeNameExtension(
        sans.map((san) => ({ type: san.type, value: san.value })),
        false,
      ),
    ],
  });
  return `${cert.toString("pem")}\n`;
}
