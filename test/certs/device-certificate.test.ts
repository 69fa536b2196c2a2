import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CertificateError,
  ensureDeviceCertificate,
  issueCertificate,
  loadDeviceCertificate,
} from "../../src/certs/index.js";
import {
  HOST,
  logText,
  openssl,
  opensslEndDate,
  opensslSans,
  silentLogger,
  snapshot,
  tempDir,
} from "./helpers.js";

const DAY_MS = 86_400_000;

async function expectRefusal(dir: string, code: string, message: RegExp): Promise<void> {
  const before = snapshot(dir);
  let caught: unknown;
  try {
    await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, logger: silentLogger().logger });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CertificateError);
  expect((caught as CertificateError).code).toBe(code);
  expect((caught as Error).message).toMatch(message);
  expect(snapshot(dir)).toEqual(before);
}

describe("first start: generating the device certificate", () => {
  it("makes an ECDSA P-256 key (PKCS#8, 0600) and a 3650-day self-signed server certificate", async () => {
    const dir = tempDir();
    const { logger, ring } = silentLogger();
    const started = Date.now();
    const cert = await ensureDeviceCertificate({
      dataDir: dir,
      hostname: "OWTS-winch-3A4F1C",
      extraSans: ["10.0.0.5", "winch.club.lan"],
      logger,
    });
    const crt = join(dir, "owts.crt");
    const key = join(dir, "owts.key");

    expect(opensslSans(crt)).toEqual([
      "IP Address:192.168.4.1",
      "DNS:*.local",
      `DNS:${HOST}`,
      "DNS:owts-winch-3a4f1c.local",
      "IP Address:10.0.0.5",
      "DNS:winch.club.lan",
    ]);
    const text = openssl(["x509", "-in", crt, "-noout", "-text"]);
    expect(text).toContain(`Subject: CN = ${HOST}`);
    expect(text).toContain(`Issuer: CN = ${HOST}`);
    expect(text).toContain("ASN1 OID: prime256v1");
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/Extended Key Usage:\s*\n\s+TLS Web Server Authentication/);
    expect(text).toContain("Subject Key Identifier");
    // A positive serial: DER INTEGER without sign bit, 16 bytes of randomness.
    const serial = openssl(["x509", "-in", crt, "-noout", "-serial"]).trim().replace("serial=", "");
    expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);

    const end = opensslEndDate(crt).getTime();
    expect(Math.abs(end - (started + 3650 * DAY_MS))).toBeLessThan(DAY_MS);
    expect(cert.notAfter.getTime()).toBe(end);

    expect(readFileSync(key, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(openssl(["pkey", "-in", key, "-noout", "-text"])).toContain("ASN1 OID: prime256v1");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    // The key is the certificate's key.
    expect(openssl(["pkey", "-in", key, "-pubout"])).toBe(openssl(["x509", "-in", crt, "-noout", "-pubkey"]));

    const fp = openssl(["x509", "-in", crt, "-noout", "-fingerprint", "-sha256"]).trim().split("=")[1];
    expect(cert.fingerprintSha256).toBe(fp);
    expect(cert).toMatchObject({
      keyType: "ecdsa",
      keyDescription: "ECDSA P-256",
      hostname: HOST,
      selfSigned: true,
    });
    expect(cert.certPem).toBe(readFileSync(crt, "utf8"));
    expect(cert.keyPem).toBe(readFileSync(key, "utf8"));
    expect(logText(ring)).toMatch(
      /generated a new ECDSA P-256 key and a self-signed certificate for OWTS-winch-3A4F1C.local/,
    );
  });

  it("makes an RSA 2048 key on request, with keyEncipherment", async () => {
    const dir = tempDir();
    const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, keyType: "rsa" });
    const text = openssl(["x509", "-in", join(dir, "owts.crt"), "-noout", "-text"]);
    expect(text).toContain("Public-Key: (2048 bit)");
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(openssl(["pkey", "-in", join(dir, "owts.key"), "-noout", "-text"])).toContain(
      "Private-Key: (2048 bit",
    );
    expect(cert.keyType).toBe("rsa");
  });

  it("lists a lower-case hostname once and creates a missing data dir", async () => {
    const dir = join(tempDir(), "nested", "data");
    await ensureDeviceCertificate({ dataDir: dir, hostname: "owts-winch-3a4f1c" });
    expect(opensslSans(join(dir, "owts.crt"))).toEqual([
      "IP Address:192.168.4.1",
      "DNS:*.local",
      "DNS:owts-winch-3a4f1c.local",
    ]);
  });

  it("leaves a good pair alone on the next start", async () => {
    const dir = tempDir();
    const first = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, extraSans: ["10.0.0.5"] });
    const before = snapshot(dir);
    const again = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, extraSans: ["10.0.0.5"] });
    expect(again.fingerprintSha256).toBe(first.fingerprintSha256);
    expect(snapshot(dir)).toEqual(before);
    expect((await loadDeviceCertificate(dir)).fingerprintSha256).toBe(first.fingerprintSha256);
  });

  it("rejects a bad extra name before touching the disk", async () => {
    const dir = join(tempDir(), "data");
    await expect(
      ensureDeviceCertificate({ dataDir: dir, hostname: HOST, extraSans: ["not a name"] }),
    ).rejects.toThrow(/SAN "not a name" is not a DNS name or IP address/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("a damaged or incomplete pair is reported, never replaced", () => {
  async function goodDir(): Promise<string> {
    const dir = tempDir();
    await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    return dir;
  }

  it("only the certificate is there (key missing)", async () => {
    const dir = await goodDir();
    execFileSync("rm", [join(dir, "owts.key")]);
    await expectRefusal(
      dir,
      "missing-key",
      /owts.key is missing while .*owts.crt is there; .*owts certs --data-dir .* --regen-key --yes/,
    );
  });

  it("only the key is there (certificate missing)", async () => {
    const dir = await goodDir();
    execFileSync("rm", [join(dir, "owts.crt")]);
    await expectRefusal(
      dir,
      "missing-cert",
      /owts.crt is missing while .*owts.key is there; run `owts certs --data-dir \S+ --yes --hostname OWTS-winch-3A4F1C.local`/,
    );
  });

  it("the certificate is not PEM", async () => {
    const dir = await goodDir();
    writeFileSync(
      join(dir, "owts.crt"),
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
    );
    await expectRefusal(dir, "damaged-cert", /owts.crt cannot be read: it is not a PEM certificate/);
  });

  it("the certificate file is truncated", async () => {
    const dir = await goodDir();
    const pem = readFileSync(join(dir, "owts.crt"), "utf8");
    writeFileSync(join(dir, "owts.crt"), pem.slice(0, pem.length / 2));
    await expectRefusal(dir, "damaged-cert", /owts.crt cannot be read/);
  });

  it("the certificate file holds the key", async () => {
    const dir = await goodDir();
    copyFileSync(join(dir, "owts.key"), join(dir, "owts.crt"));
    await expectRefusal(dir, "damaged-cert", /owts.crt cannot be read/);
  });

  it("the key is garbage", async () => {
    const dir = await goodDir();
    writeFileSync(join(dir, "owts.key"), "garbage\n", { mode: 0o600 });
    await expectRefusal(
      dir,
      "damaged-key",
      /owts.key cannot be read: it is not a PEM private key; restore owts.key .*--regen-key --yes/,
    );
  });

  it("the key is encrypted", async () => {
    const dir = await goodDir();
    const encrypted = openssl(["pkey", "-in", join(dir, "owts.key"), "-aes256", "-passout", "pass:secret"]);
    writeFileSync(join(dir, "owts.key"), encrypted, { mode: 0o600 });
    await expectRefusal(dir, "damaged-key", /encrypted with a passphrase/);
  });

  it("the key is of a kind OWTS cannot sign with", async () => {
    const dir = await goodDir();
    writeFileSync(join(dir, "owts.key"), openssl(["genpkey", "-algorithm", "ed25519"]), { mode: 0o600 });
    await expectRefusal(
      dir,
      "unsupported-key",
      /owts.key holds an unsupported ed25519 key; OWTS signs with ECDSA or RSA keys/,
    );
  });

  it("certificate and key do not belong together", async () => {
    const dir = await goodDir();
    const other = await goodDir();
    copyFileSync(join(other, "owts.key"), join(dir, "owts.key"));
    await expectRefusal(
      dir,
      "mismatch",
      /owts.crt was not issued for .*owts.key \(their public keys differ\); run `owts certs .*--yes/,
    );
    await expect(loadDeviceCertificate(dir)).rejects.toMatchObject({ code: "mismatch" });
  });

  it("the data dir is a file", async () => {
    const file = join(tempDir(), "file");
    writeFileSync(file, "x");
    await expect(ensureDeviceCertificate({ dataDir: file, hostname: HOST })).rejects.toMatchObject({
      code: "io",
    });
    expect(readFileSync(file, "utf8")).toBe("x");
  });
});

describe("the hostname follows a mode change", () => {
  it("re-issues a self-made certificate with the same key, lifetime and extra names", async () => {
    const dir = tempDir();
    await issueCertificate({
      dataDir: dir,
      hostname: "OWTS-winch-3A4F1C",
      days: 100,
      extraSans: ["10.0.0.5"],
    });
    const winch = await loadDeviceCertificate(dir);
    const { logger, ring } = silentLogger();
    const aircraft = await ensureDeviceCertificate({
      dataDir: dir,
      hostname: "OWTS-aircraft-3A4F1C",
      extraSans: ["winch.club.lan"],
      logger,
    });

    expect(aircraft.keyPem).toBe(winch.keyPem);
    expect(aircraft.fingerprintSha256).not.toBe(winch.fingerprintSha256);
    expect(opensslSans(join(dir, "owts.crt"))).toEqual([
      "IP Address:192.168.4.1",
      "DNS:*.local",
      "DNS:OWTS-aircraft-3A4F1C.local",
      "DNS:owts-aircraft-3a4f1c.local",
      "IP Address:10.0.0.5",
      "DNS:winch.club.lan",
    ]);
    expect(openssl(["x509", "-in", join(dir, "owts.crt"), "-noout", "-subject"])).toContain(
      "CN = OWTS-aircraft-3A4F1C.local",
    );
    expect(Math.round((aircraft.notAfter.getTime() - Date.now()) / DAY_MS)).toBe(100);
    expect(logText(ring)).toMatch(
      /re-issued the device certificate with the same key because it lacked DNS:OWTS-aircraft-3A4F1C.local, DNS:owts-aircraft-3a4f1c.local, DNS:winch.club.lan \(hostname changed from OWTS-winch-3A4F1C.local\)/,
    );
  });

  it("keeps a certificate signed by someone else and says what it lacks", async () => {
    const dir = tempDir();
    const ca = tempDir("owts-ca-");
    const run = (args: string[]) => execFileSync("openssl", args, { cwd: ca, stdio: "pipe" });
    run([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-subj",
      "/CN=Club CA",
      "-days",
      "30",
    ]);
    run([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      join(dir, "owts.key"),
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=winch.club.lan",
    ]);
    writeFileSync(join(ca, "ext.cnf"), "subjectAltName=DNS:winch.club.lan\n");
    run([
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      join(dir, "owts.crt"),
      "-days",
      "30",
      "-extfile",
      "ext.cnf",
    ]);
    execFileSync("chmod", ["600", join(dir, "owts.key")]);

    const before = snapshot(dir);
    const { logger, ring } = silentLogger();
    const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, logger });
    expect(snapshot(dir)).toEqual(before);
    expect(cert).toMatchObject({
      selfSigned: false,
      hostname: "winch.club.lan",
      sans: ["DNS:winch.club.lan"],
    });
    expect(logText(ring)).toMatch(
      /is not self-signed, so it is kept as it is, but it lacks IP:192.168.4.1, DNS:\*.local, DNS:OWTS-winch-3A4F1C.local/,
    );
    expect(logText(ring)).toMatch(/expires in 2\d days/);
  });
});

describe("issuing (the gen_certs.sh equivalent)", () => {
  it("always re-issues and keeps the key unless asked", async () => {
    const dir = tempDir();
    const first = await issueCertificate({ dataDir: dir, hostname: HOST });
    expect(first.key).toBe("created");
    const keyBefore = readFileSync(join(dir, "owts.key"));
    const second = await issueCertificate({ dataDir: dir, hostname: HOST, days: 30 });
    expect(second.key).toBe("kept");
    expect(readFileSync(join(dir, "owts.key"))).toEqual(keyBefore);
    expect(second.fingerprintSha256).not.toBe(first.fingerprintSha256);
    expect(
      Math.abs(opensslEndDate(join(dir, "owts.crt")).getTime() - (Date.now() + 30 * DAY_MS)),
    ).toBeLessThan(DAY_MS);

    const third = await issueCertificate({ dataDir: dir, hostname: HOST, regenKey: true });
    expect(third.key).toBe("regenerated");
    expect(readFileSync(join(dir, "owts.key"))).not.toEqual(keyBefore);
    expect(statSync(join(dir, "owts.key")).mode & 0o777).toBe(0o600);
    expect((await loadDeviceCertificate(dir)).fingerprintSha256).toBe(third.fingerprintSha256);
  });

  it("accepts the longest validity (a GeneralizedTime end date past 2050)", async () => {
    const dir = tempDir();
    await issueCertificate({ dataDir: dir, hostname: HOST, days: 36500 });
    expect(opensslEndDate(join(dir, "owts.crt")).getUTCFullYear()).toBeGreaterThanOrEqual(2120);
  });

  it.each([0, -1, 1.5, 36501, Number.NaN])("refuses %s days and changes nothing", async (days) => {
    const dir = tempDir();
    await issueCertificate({ dataDir: dir, hostname: HOST });
    const before = snapshot(dir);
    await expect(
      issueCertificate({ dataDir: dir, hostname: HOST, days, regenKey: true }),
    ).rejects.toMatchObject({
      code: "bad-days",
      message: expect.stringMatching(/must be a whole number of days from 1 to 36500/),
    });
    expect(snapshot(dir)).toEqual(before);
  });

  it("keeps the key type on regeneration and refuses a type change without it", async () => {
    const dir = tempDir();
    await issueCertificate({ dataDir: dir, hostname: HOST, keyType: "rsa" });
    const before = snapshot(dir);
    await expect(issueCertificate({ dataDir: dir, hostname: HOST, keyType: "ecdsa" })).rejects.toMatchObject({
      code: "key-type-conflict",
      message: expect.stringMatching(/is RSA 2048, not ECDSA; add --regen-key/),
    });
    expect(snapshot(dir)).toEqual(before);
    expect((await issueCertificate({ dataDir: dir, hostname: HOST, regenKey: true })).keyType).toBe("rsa");
  });

  it("refuses to re-issue for a damaged key unless the key is regenerated", async () => {
    const dir = tempDir();
    await issueCertificate({ dataDir: dir, hostname: HOST });
    writeFileSync(join(dir, "owts.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", {
      mode: 0o600,
    });
    const before = snapshot(dir);
    await expect(issueCertificate({ dataDir: dir, hostname: HOST })).rejects.toMatchObject({
      code: "damaged-key",
    });
    expect(snapshot(dir)).toEqual(before);
    await issueCertificate({ dataDir: dir, hostname: HOST, regenKey: true });
    await expect(loadDeviceCertificate(dir)).resolves.toMatchObject({ hostname: HOST });
  });

  it("issues a certificate for an existing key whose certificate is missing", async () => {
    const dir = tempDir();
    await issueCertificate({ dataDir: dir, hostname: HOST });
    const key = readFileSync(join(dir, "owts.key"));
    execFileSync("rm", [join(dir, "owts.crt")]);
    expect((await issueCertificate({ dataDir: dir, hostname: HOST })).key).toBe("kept");
    expect(readFileSync(join(dir, "owts.key"))).toEqual(key);
  });
});

describe("a write interrupted by a crash", () => {
  it("drops a staged key: the old pair stays", async () => {
    const dir = tempDir();
    const old = await issueCertificate({ dataDir: dir, hostname: HOST });
    writeFileSync(join(dir, "owts.key.new"), "-----BEGIN PRIVATE KEY-----\nhalf");
    writeFileSync(join(dir, "owts.crt.new"), "");
    const { logger, ring } = silentLogger();
    const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, logger });
    expect(cert.fingerprintSha256).toBe(old.fingerprintSha256);
    expect(existsSync(join(dir, "owts.key.new")) || existsSync(join(dir, "owts.crt.new"))).toBe(false);
    expect(logText(ring)).toMatch(/dropped an unfinished certificate write/);
  });

  it("completes a staged certificate that belongs to the live key (crash between the two renames)", async () => {
    const dir = tempDir();
    await issueCertificate({ dataDir: dir, hostname: HOST });
    const newer = tempDir();
    await issueCertificate({ dataDir: newer, hostname: HOST, regenKey: true });
    // State after the key rename and before the certificate rename: new key live, new cert staged.
    copyFileSync(join(newer, "owts.key"), join(dir, "owts.key"));
    copyFileSync(join(newer, "owts.crt"), join(dir, "owts.crt.new"));
    const { logger, ring } = silentLogger();
    const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST, logger });
    expect(cert.certPem).toBe(readFileSync(join(newer, "owts.crt"), "utf8"));
    expect(existsSync(join(dir, "owts.crt.new"))).toBe(false);
    expect(logText(ring)).toMatch(/completed an interrupted certificate write/);
  });

  it("drops a staged certificate for another key", async () => {
    const dir = tempDir();
    const old = await issueCertificate({ dataDir: dir, hostname: HOST });
    const other = tempDir();
    await issueCertificate({ dataDir: other, hostname: HOST });
    copyFileSync(join(other, "owts.crt"), join(dir, "owts.crt.new"));
    const cert = await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
    expect(cert.fingerprintSha256).toBe(old.fingerprintSha256);
    expect(existsSync(join(dir, "owts.crt.new"))).toBe(false);
  });
});
