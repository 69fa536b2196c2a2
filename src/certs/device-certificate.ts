import { mkdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import pino from "pino";
import type { Logger } from "../core/logger.js";
import { type ClubCa, isIssuedBy } from "./ca.js";
import { CertificateError } from "./errors.js";
import { type CertPaths, certPaths, readOptional, removeIfPresent, renameInto, writePair } from "./files.js";
import {
  type CertificateInfo,
  type DeviceCertificate,
  pairCertificate,
  parseCertificatePem,
} from "./inspect.js";
import {
  CA_ISSUED_DAYS,
  checkDays,
  DEFAULT_DAYS,
  type IssueParams,
  issueCaSignedPem,
  issueSelfSignedPem,
  MAX_DAYS,
} from "./issue.js";
import { DEFAULT_KEY_TYPE } from "./key-type.js";
import { type DeviceKey, generateKeyPem, type KeyType, parsePrivateKey } from "./keys.js";
import {
  coversSans,
  deviceSans,
  formatSan,
  mergeSans,
  normalizeHostname,
  parseSan,
  type San,
  STANDARD_SANS,
} from "./names.js";

const DAY_MS = 86_400_000;
/** Warn this long before the certificate runs out, so the user can re-issue it in time. */
const EXPIRY_WARNING_DAYS = 30;

function certLogger(logger: Logger | undefined): Logger {
  return (logger ?? pino({ enabled: false })).child({ tag: "certs" });
}

/** Quotes a path for a copy-and-paste command line only when it needs it. */
function shellArg(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function certsCommand(dataDir: string, extra: string): string {
  return `owts certs --data-dir ${shellArg(resolve(dataDir))} ${extra}`.trimEnd();
}

/** Re-throws a CertificateError with a sentence on how to fix it; others pass unchanged. */
function withFix(err: unknown, dataDir: string, hostname: string | null): never {
  if (!(err instanceof CertificateError)) throw err;
  const host = hostname ? ` --hostname ${shellArg(hostname)}` : "";
  const newKey = `\`${certsCommand(dataDir, "--regen-key --yes")}${host}\``;
  const sameKey = `\`${certsCommand(dataDir, "--yes")}${host}\``;
  const fix: Partial<Record<CertificateError["code"], string>> = {
    "missing-key": `restore owts.key from a backup, or run ${newKey} to make a new key and certificate`,
    "missing-cert": `run ${sameKey} to issue a certificate for the existing key`,
    "damaged-cert": `run ${sameKey} to issue a new certificate for the existing key`,
    "damaged-key": `restore owts.key from a backup, or run ${newKey} to replace key and certificate`,
    "unsupported-key": `run ${newKey} to replace it with an ECDSA P-256 key`,
    mismatch: `run ${sameKey} to issue a certificate for the existing key, or ${newKey} to start over`,
  };
  const hint = fix[err.code];
  throw hint ? new CertificateError(err.code, `${err.message}; ${hint}`) : err;
}

interface PairText {
  cert: string | null;
  key: string | null;
}

async function readPair(paths: CertPaths): Promise<PairText> {
  const [cert, key] = await Promise.all([readOptional(paths.cert), readOptional(paths.key)]);
  return { cert, key };
}

/** Checks a pair read from disk: both present, both readable, and the certificate made for the key. */
async function checkPair(
  paths: CertPaths,
  text: PairText,
): Promise<{ device: DeviceCertificate; info: CertificateInfo; key: DeviceKey }> {
  if (text.cert === null && text.key === null)
    throw new CertificateError(
      "missing-cert",
      `there is no certificate in ${paths.dir} (owts.crt and owts.key are missing)`,
    );
  if (text.key === null)
    throw new CertificateError("missing-key", `${paths.key} is missing while ${paths.cert} is there`);
  if (text.cert === null)
    throw new CertificateError("missing-cert", `${paths.cert} is missing while ${paths.key} is there`);
  const info = await parseCertificatePem(text.cert, paths.cert);
  const key = parsePrivateKey(text.key, paths.key);
  return { device: pairCertificate(info, key, text.key, paths), info, key };
}

/**
 * Reads and checks the pair in `dataDir` without changing anything; throws a CertificateError when a
 * file is missing, damaged, or the two do not belong together. This is what the watcher uses.
 */
export async function loadDeviceCertificate(dataDir: string): Promise<DeviceCertificate> {
  const paths = certPaths(dataDir);
  return (await checkPair(paths, await readPair(paths))).device;
}

/** The certificate alone (for the CLI, which takes the hostname from its CN); null when absent. */
export async function readCertificateInfo(dataDir: string): Promise<CertificateInfo | null> {
  const paths = certPaths(dataDir);
  const text = await readOptional(paths.cert);
  return text === null ? null : parseCertificatePem(text, paths.cert);
}

/**
 * A crash during `writePair` can leave staged files behind. A staged key means the live pair was
 * never touched: drop the staging. A staged certificate alone is either a certificate-only re-issue
 * or the second half of a key change whose key is already live: finish it when it is whole and
 * belongs to the live key, drop it otherwise.
 */
async function finishStagedWrite(paths: CertPaths, log: Logger): Promise<void> {
  const stagedKey = await readOptional(paths.stagedKey);
  const stagedCert = await readOptional(paths.stagedCert);
  if (stagedKey !== null || stagedCert === null) {
    if (stagedKey !== null) {
      await removeIfPresent(paths.stagedKey);
      await removeIfPresent(paths.stagedCert);
      log.warn(
        "dropped an unfinished certificate write (interrupted before it took effect); the previous files stay",
      );
    }
    return;
  }
  let whole = false;
  try {
    const keyText = await readOptional(paths.key);
    if (keyText !== null) {
      pairCertificate(
        await parseCertificatePem(stagedCert, paths.stagedCert),
        parsePrivateKey(keyText, paths.key),
        keyText,
        {
          cert: paths.stagedCert,
          key: paths.key,
        },
      );
      whole = true;
    }
  } catch {
    // not whole, or not for this key: dropped below
  }
  if (whole) {
    await renameInto(paths.stagedCert, paths.cert);
    log.warn(
      "completed an interrupted certificate write: the new certificate for the current key is now in place",
    );
  } else {
    await removeIfPresent(paths.stagedCert);
    log.warn("dropped an unfinished certificate write (it was incomplete); the previous files stay");
  }
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new CertificateError(
      "io",
      `cannot create the data directory ${dir} (${(err as NodeJS.ErrnoException).code})`,
    );
  }
}

function parseSans(extraSans: readonly (string | San)[] | undefined): San[] {
  return (extraSans ?? []).map((s) => (typeof s === "string" ? parseSan(s) : parseSan(formatSan(s))));
}

function warnAboutExpiry(device: DeviceCertificate, now: Date, dataDir: string, log: Logger): void {
  const daysLeft = (device.notAfter.getTime() - now.getTime()) / DAY_MS;
  const fix = `run \`${certsCommand(dataDir, "--yes")}\` to re-issue it`;
  if (daysLeft <= 0)
    log.warn(
      `the device certificate expired on ${device.notAfter.toISOString()}; clients will refuse it; ${fix}`,
    );
  else if (daysLeft < EXPIRY_WARNING_DAYS)
    log.warn(
      `the device certificate expires in ${Math.floor(daysLeft)} days (${device.notAfter.toISOString()}); ${fix}`,
    );
}

async function warnAboutKeyMode(keyPath: string, log: Logger): Promise<void> {
  const { mode } = await stat(keyPath);
  if (mode & 0o077)
    log.warn(
      `${keyPath} can be read by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
}

/** A CA-issued certificate is renewed when a third of its life is left. */
export function renewalDue(cert: { notBefore: Date; notAfter: Date }): Date {
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  return new Date(cert.notAfter.getTime() - life / 3);
}

/** Maps a device hostname to the other names it may go by (see EnsureCertificateOptions). */
export type SiblingHostnames = (hostname: string) => readonly string[];

function siblingSans(hostname: string, siblings: SiblingHostnames | undefined): San[] {
  const names = (siblings?.(hostname) ?? []).map(normalizeHostname).filter((h) => h !== hostname);
  return names.flatMap((h): San[] => [
    { type: "dns", value: h },
    { type: "dns", value: h.toLowerCase() },
  ]);
}

/** Signs with the club CA when there is one, else self-signs, as the original does. */
function issueFor(ca: ClubCa | undefined, params: IssueParams): Promise<string> {
  return ca ? issueCaSignedPem({ ...params, ca }) : issueSelfSignedPem(params);
}

export interface EnsureCertificateOptions {
  dataDir: string;
  /** The device hostname, e.g. `OWTS-winch-3A4F1C` (`.local` is added to a bare label). */
  hostname: string;
  /**
   * The other hostnames a device called `hostname` may take without anything else changing: the other
   * mode's (`OWTS-aircraft-<id>` beside `OWTS-winch-<id>`), so a mode change keeps the certificate.
   * Also applied to the old certificate's hostname, so a real rename (`--id`) drops the old pair.
   * @default () => [] (the hostname alone)
   */
  siblingHostnames?: SiblingHostnames;
  /**
   * The club CA (`--ca`): the certificate is issued by it for at most 397 days and renewed when a third
   * of its life is left, and one not issued by it is replaced (same key).
   * @default undefined (self-signed, 3650 days, as the original)
   */
  ca?: ClubCa;
  /**
   * Extra names (`--san`): DNS names or IP addresses, optionally prefixed `DNS:` / `IP:`.
   * @default [] (the standard names only)
   */
  extraSans?: readonly (string | San)[];
  /**
   * Only used when a new key is generated; an existing key is never replaced here.
   * @default DEFAULT_KEY_TYPE ("ecdsa")
   */
  keyType?: KeyType;
  /** @default undefined (no logging) */
  logger?: Logger;
  /** @default the current time (`new Date()`) */
  now?: Date;
}

/**
 * The start-up path. Generates key and certificate when both files are missing; otherwise loads and
 * checks the pair and refuses (CertificateError with a fix) when one is missing, damaged, or the two do
 * not belong together, because those files may be the only copy of something the user made.
 *
 * When the certificate lacks a name the device now needs (the hostname follows a mode change, or a new
 * `--san`), and the certificate is self-signed by the device's own key, it is re-issued with the same
 * key, the same lifetime and every name it carried before except the old hostname. The device made it,
 * so replacing it loses nothing; clients that accepted the old one see a new fingerprint, which is
 * logged. A certificate signed by someone else is never replaced: the mismatch is logged instead.
 */
export async function ensureDeviceCertificate(opts: EnsureCertificateOptions): Promise<DeviceCertificate> {
  const log = certLogger(opts.logger);
  const hostname = normalizeHostname(opts.hostname);
  const siblings = siblingSans(hostname, opts.siblingHostnames);
  const extras = parseSans(opts.extraSans);
  const now = opts.now ?? new Date();
  const { ca } = opts;
  const paths = certPaths(opts.dataDir);
  await ensureDir(opts.dataDir);
  await finishStagedWrite(paths, log);
  const issuedHow = ca ? `certificate issued by the club CA (${ca.subject})` : "self-signed certificate";

  const text = await readPair(paths);
  if (text.cert === null && text.key === null) {
    const keyType = opts.keyType ?? DEFAULT_KEY_TYPE;
    const keyPem = await generateKeyPem(keyType);
    const key = parsePrivateKey(keyPem, paths.key);
    const certPem = await issueFor(ca, {
      key,
      hostname,
      sans: mergeSans(deviceSans(hostname, siblings), extras),
      days: ca ? CA_ISSUED_DAYS : DEFAULT_DAYS,
      now,
    });
    await writePair(paths, certPem, keyPem);
    const device = pairCertificate(await parseCertificatePem(certPem, paths.cert), key, keyPem, paths);
    log.info(
      `generated a new ${key.description} key and a ${issuedHow} for ${hostname}, valid until ${device.notAfter.toISOString()}, SHA-256 ${device.fingerprintSha256}`,
    );
    return device;
  }

  let checked: Awaited<ReturnType<typeof checkPair>>;
  try {
    checked = await checkPair(paths, text);
  } catch (err) {
    withFix(err, opts.dataDir, hostname);
  }
  const { info, key } = checked;
  let device = checked.device;
  await warnAboutKeyMode(paths.key, log);

  const oldHost = info.commonName;
  const oldNames =
    oldHost === null ? [] : [oldHost, ...(opts.siblingHostnames?.(oldHost) ?? []).map(normalizeHostname)];
  const carried = info.sans.filter(
    (san) =>
      !coversSans(STANDARD_SANS, [san]) &&
      !(san.type === "dns" && oldNames.some((h) => san.value === h || san.value === h.toLowerCase())),
  );
  const wanted = mergeSans(deviceSans(hostname, mergeSans(siblings, carried)), extras);
  const reasons: string[] = [];
  const missingSans = wanted.filter((san) => !coversSans(info.sans, [san]));
  if (missingSans.length > 0) {
    const onlySiblings = missingSans.every((san) => coversSans(siblings, [san]));
    reasons.push(
      `it lacked ${missingSans.map(formatSan).join(", ")}${
        onlySiblings
          ? " (the other mode's hostname: with both names a mode change keeps the certificate and its fingerprint)"
          : oldHost && oldHost !== hostname
            ? ` (hostname changed from ${oldHost})`
            : ""
      }`,
    );
  }
  const lifetimeMs = info.notAfter.getTime() - info.notBefore.getTime();
  if (ca) {
    if (!isIssuedBy(info.certPem, ca))
      reasons.push(`it was not issued by the club CA in ${ca.dir} (SHA-256 ${ca.fingerprintSha256})`);
    else if (lifetimeMs > (CA_ISSUED_DAYS + 1) * DAY_MS)
      reasons.push(`its validity of ${Math.round(lifetimeMs / DAY_MS)} days exceeds ${CA_ISSUED_DAYS}`);
    else if (now.getTime() >= renewalDue(info).getTime())
      reasons.push(`a third of its life or less is left (it expires ${info.notAfter.toISOString()})`);
  }
  if (reasons.length > 0) {
    if (!ca && !device.selfSigned) {
      log.warn(
        `${paths.cert} is not self-signed, so it is kept as it is, but it lacks ${missingSans.map(formatSan).join(", ")}; clients using those names will refuse it`,
      );
    } else {
      const lifetime = Math.round(lifetimeMs / DAY_MS);
      const days = ca ? CA_ISSUED_DAYS : Math.min(Math.max(lifetime, 1), MAX_DAYS);
      const certPem = await issueFor(ca, { key, hostname, sans: wanted, days, now });
      await writePair(paths, certPem);
      const previous = device.fingerprintSha256;
      device = pairCertificate(await parseCertificatePem(certPem, paths.cert), key, device.keyPem, paths);
      log.info(
        `re-issued the device certificate with the same key because ${reasons.join("; ")}${ca ? `; ${issuedHow}` : ""}; SHA-256 ${previous} -> ${device.fingerprintSha256}`,
      );
    }
  }
  warnAboutExpiry(device, now, opts.dataDir, log);
  return device;
}

/** The type of the key about to be replaced, so a regenerated RSA key stays RSA unless asked otherwise. */
async function previousKeyType(paths: CertPaths): Promise<KeyType | null> {
  try {
    const text = await readOptional(paths.key);
    return text === null ? null : parsePrivateKey(text, paths.key).keyType;
  } catch {
    return null;
  }
}

export interface IssueCertificateOptions {
  dataDir: string;
  hostname: string;
  /** See EnsureCertificateOptions.siblingHostnames. @default () => [] */
  siblingHostnames?: SiblingHostnames;
  /** Sign with this club CA (validity capped at 397 days). @default undefined (self-signed) */
  ca?: ClubCa;
  /**
   * Validity, 1..36500 days.
   * @default 3650
   */
  days?: number;
  /**
   * Make a new key; otherwise the existing key is kept (and a key is only created when none exists).
   * @default false
   */
  regenKey?: boolean;
  /** @default [] (the standard names only) */
  extraSans?: readonly (string | San)[];
  /**
   * The type of a new key (default: the type of the key being replaced, else ECDSA); asking for the
   * other type while keeping the key is an error.
   * @default the replaced key's type, else DEFAULT_KEY_TYPE ("ecdsa")
   */
  keyType?: KeyType;
  /** @default undefined (no logging) */
  logger?: Logger;
  /** @default the current time (`new Date()`) */
  now?: Date;
}

export interface IssuedCertificate extends DeviceCertificate {
  /** What happened to the key: kept, regenerated on request, or created because there was none. */
  key: "kept" | "regenerated" | "created";
}

/**
 * The `gen_certs.sh` equivalent: always issues a new certificate (standard names, the hostname in both
 * spellings, and exactly the extra names given), keeping the key unless `regenKey`. Every input is
 * checked before anything is written; the files are replaced atomically.
 */
export async function issueCertificate(opts: IssueCertificateOptions): Promise<IssuedCertificate> {
  const log = certLogger(opts.logger);
  const hostname = normalizeHostname(opts.hostname);
  const siblings = siblingSans(hostname, opts.siblingHostnames);
  const sans = mergeSans(deviceSans(hostname, siblings), parseSans(opts.extraSans));
  const days = checkDays(opts.days ?? (opts.ca ? CA_ISSUED_DAYS : DEFAULT_DAYS));
  const paths = certPaths(opts.dataDir);
  await ensureDir(opts.dataDir);
  await finishStagedWrite(paths, log);

  let keyPem = opts.regenKey ? null : await readOptional(paths.key);
  let keyState: IssuedCertificate["key"] = "kept";
  let key: DeviceKey;
  if (keyPem === null) {
    keyState = opts.regenKey ? "regenerated" : "created";
    keyPem = await generateKeyPem(opts.keyType ?? (await previousKeyType(paths)) ?? DEFAULT_KEY_TYPE);
    key = parsePrivateKey(keyPem, paths.key);
  } else {
    try {
      key = parsePrivateKey(keyPem, paths.key);
    } catch (err) {
      withFix(err, opts.dataDir, hostname);
    }
    if (opts.keyType && opts.keyType !== key.keyType)
      throw new CertificateError(
        "key-type-conflict",
        `the existing key ${paths.key} is ${key.description}, not ${opts.keyType.toUpperCase()}; add --regen-key to replace it with a new ${opts.keyType.toUpperCase()} key`,
      );
  }

  const certPem = await issueFor(opts.ca, {
    key,
    hostname,
    sans,
    days,
    ...(opts.now ? { now: opts.now } : {}),
  });
  await writePair(paths, certPem, keyState === "kept" ? undefined : keyPem);
  const device = pairCertificate(await parseCertificatePem(certPem, paths.cert), key, keyPem, paths);
  log.info(
    `issued a new certificate for ${hostname} (${keyState} ${key.description} key), valid until ${device.notAfter.toISOString()}, SHA-256 ${device.fingerprintSha256}`,
  );
  return { ...device, key: keyState };
}
