/**
 * The club CA: one key a club keeps (on a laptop, or on a unit) that signs every unit's certificate,
 * so a phone trusts all the units once. Its certificate carries critical name constraints that permit
 * only `.local`, `localhost`, loopback, link-local and private addresses: a stolen CA key cannot sign
 * for a public name that any client honouring the constraints (OpenSSL, Chromium, Firefox, Apple) would accept.
 */
import { X509Certificate } from "node:crypto";
import { mkdir, readdir, stat } from "node:fs/promises";
import type { GeneralName } from "@peculiar/asn1-x509";
import { caPaths } from "./ca-files.js";
import { CertificateError } from "./errors.js";
import { readOptional, writePair } from "./files.js";
import { commonNameOf } from "./inspect.js";
import { checkDays, randomSerial } from "./issue.js";
import { type DeviceKey, generateKeyPem, parsePrivateKey, publicKeyDer, toCryptoKeyPair } from "./keys.js";
import { loadX509, type X509 } from "./x509.js";

/** The ASN.1 libraries, loaded only where a CA is made or read (see x509.ts). */
async function loadAsn1() {
  const [schema, x509asn] = await Promise.all([
    import("@peculiar/asn1-schema"),
    import("@peculiar/asn1-x509"),
  ]);
  return { AsnConvert: schema.AsnConvert, ...x509asn };
}

const DAY_MS = 86_400_000;
/** A club CA outlives many unit certificates; ten years, like the self-signed default. */
export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_CA_NAME = "OWTS club CA";

/**
 * What the constraints permit: mDNS names, localhost, and the address ranges a unit is reached on
 * (loopback, RFC 1918 with the SoftAP's 192.168.4.1, link-local, IPv6 unique-local and link-local).
 * A DNS constraint "local" matches "local" and every name under it (RFC 5280 §4.2.1.10).
 */
export const PERMITTED_NAMES: readonly { type: "dns" | "ip"; value: string }[] = [
  { type: "dns", value: "local" },
  { type: "dns", value: "localhost" },
  { type: "ip", value: "127.0.0.0/8" },
  { type: "ip", value: "10.0.0.0/8" },
  { type: "ip", value: "172.16.0.0/12" },
  { type: "ip", value: "192.168.0.0/16" },
  { type: "ip", value: "169.254.0.0/16" },
  { type: "ip", value: "::1/128" },
  { type: "ip", value: "fc00::/7" },
  { type: "ip", value: "fe80::/10" },
];

async function nameConstraintsExtension(x509: typeof X509): Promise<X509.Extension> {
  const { AsnConvert, GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } =
    await loadAsn1();
  const subtrees = PERMITTED_NAMES.map(
    (n) =>
      new GeneralSubtree({
        base: new GeneralName(n.type === "dns" ? { dNSName: n.value } : { iPAddress: n.value }),
      }),
  );
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }),
  );
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** A loaded, checked club CA: what issuing needs, and what `owts ca show` and `/api/about` report. */
export interface ClubCa {
  dir: string;
  certPem: string;
  key: DeviceKey;
  subject: string;
  /** The subject CN (the club name given to `owts ca init`), else the whole subject. */
  name: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  /** The permitted names (`DNS:local`, `IP:10.0.0.0/8`), or null when the CA carries no name constraints. */
  permitted: string[] | null;
  /** Excluded names, when a CA from elsewhere has them. */
  excluded: string[];
  constraintsCritical: boolean;
}

export interface InitCaOptions {
  dir: string;
  /** @default DEFAULT_CA_NAME ("OWTS club CA") */
  name?: string;
  /** @default DEFAULT_CA_DAYS (3650) */
  days?: number;
  /** Replace a CA (or other files) already in `dir`. @default false */
  force?: boolean;
  /** @default the current time */
  now?: Date;
}

async function checkEmptyDir(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw new CertificateError("io", `cannot read ${dir} (${code})`);
  }
  if (entries.length > 0 && !force)
    throw new CertificateError(
      "ca-exists",
      `${dir} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", …" : ""}); a CA is never overwritten without --force, and a CA key is best kept in a directory of its own`,
    );
}

/** Makes `dir/ca.crt` and `dir/ca.key` (0600), both written durably before either is renamed into place. */
export async function initClubCa(opts: InitCaOptions): Promise<ClubCa> {
  const days = checkDays(opts.days ?? DEFAULT_CA_DAYS);
  const name = (opts.name ?? DEFAULT_CA_NAME).trim();
  if (name.length === 0 || name.length > 64 || /\p{Cc}/u.test(name))
    throw new CertificateError("bad-name", `CA name "${opts.name}" must be 1 to 64 printable characters`);
  await checkEmptyDir(opts.dir, opts.force ?? false);
  await mkdir(opts.dir, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    throw new CertificateError("io", `cannot create ${opts.dir} (${err.code})`);
  });
  const now = opts.now ?? new Date();
  const keyPem = await generateKeyPem("ecdsa");
  const key = parsePrivateKey(keyPem, "ca.key");
  const keys = await toCryptoKeyPair(key);
  const x509 = await loadX509();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [name] }, { O: ["OWTS"] }],
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    keys,
    signingAlgorithm: key.signing,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await nameConstraintsExtension(x509),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writePair(caPaths(opts.dir), `${cert.toString("pem")}\n`, keyPem);
  return loadClubCa(opts.dir);
}

function generalNameText(n: GeneralName): string {
  if (n.dNSName !== undefined) return `DNS:${n.dNSName}`;
  if (n.iPAddress !== undefined) return `IP:${n.iPAddress}`;
  if (n.rfc822Name !== undefined) return `email:${n.rfc822Name}`;
  if (n.uniformResourceIdentifier !== undefined) return `URI:${n.uniformResourceIdentifier}`;
  if (n.directoryName !== undefined) return "DirName";
  return "other";
}

function bad(dir: string, why: string): CertificateError {
  return new CertificateError(
    "bad-ca",
    `the club CA in ${dir} cannot be used: ${why} (make one with \`owts ca init --dir DIR\`)`,
  );
}

/**
 * Reads and checks `dir/ca.crt` + `dir/ca.key`: both present and readable, the certificate a CA
 * (basicConstraints CA:TRUE, keyCertSign when keyUsage is present), within its validity, and made for
 * the key. Name constraints are reported, not required: a club may bring a CA from elsewhere.
 */
export async function loadClubCa(dir: string, now: Date = new Date()): Promise<ClubCa> {
  try {
    if (!(await stat(dir)).isDirectory()) throw bad(dir, "it is not a directory");
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw bad(dir, `the directory does not exist (${(err as NodeJS.ErrnoException).code})`);
  }
  const paths = caPaths(dir);
  const [certPem, keyPem] = await Promise.all([readOptional(paths.cert), readOptional(paths.key)]);
  if (certPem === null) throw bad(dir, `${paths.cert} is missing`);
  if (keyPem === null)
    throw bad(dir, `${paths.key} is missing (a CA certificate without its key cannot sign)`);
  const x509 = await loadX509();
  const { AsnConvert, NameConstraints, id_ce_nameConstraints } = await loadAsn1();
  let node: X509Certificate;
  let cert: X509.X509Certificate;
  try {
    node = new X509Certificate(certPem);
    cert = new x509.X509Certificate(new Uint8Array(node.raw));
  } catch {
    throw bad(dir, `${paths.cert} is not a PEM certificate (damaged or wrong file)`);
  }
  let key: DeviceKey;
  try {
    key = parsePrivateKey(keyPem, paths.key);
  } catch (err) {
    throw bad(dir, (err as Error).message);
  }
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca)
    throw bad(dir, `${paths.cert} is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  if (usage && !(usage.usages & x509.KeyUsageFlags.keyCertSign))
    throw bad(dir, `${paths.cert} may not sign certificates (keyUsage lacks keyCertSign)`);
  if (!node.publicKey.export({ type: "spki", format: "der" }).equals(publicKeyDer(key)))
    throw bad(dir, `${paths.cert} was not issued for ${paths.key} (their public keys differ)`);
  if (cert.notAfter.getTime() <= now.getTime())
    throw bad(dir, `${paths.cert} expired on ${cert.notAfter.toISOString()}`);

  const ncExt = cert.extensions.find((e) => e.type === id_ce_nameConstraints);
  let permitted: string[] | null = null;
  let excluded: string[] = [];
  if (ncExt) {
    const nc = AsnConvert.parse(ncExt.value, NameConstraints);
    permitted = (nc.permittedSubtrees ?? []).map((s) => generalNameText(s.base));
    excluded = (nc.excludedSubtrees ?? []).map((s) => generalNameText(s.base));
  }
  return {
    dir,
    certPem,
    key,
    subject: node.subject.replaceAll("\n", ", "),
    name: commonNameOf(node.subject) ?? node.subject.replaceAll("\n", ", "),
    fingerprintSha256: node.fingerprint256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    permitted,
    excluded,
    constraintsCritical: ncExt?.critical ?? false,
  };
}

/** True when `certPem` names the CA as issuer and carries a valid signature by its key. */
export function isIssuedBy(certPem: string, ca: ClubCa): boolean {
  try {
    const leaf = new X509Certificate(certPem);
    const issuer = new X509Certificate(ca.certPem);
    return leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
