import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CertificateError,
  ensureDeviceCertificate,
  initClubCa,
  issueCertificate,
  loadClubCa,
  openLiveCertificate,
} from "../../src/certs/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { otherModeHostnames } from "../../src/device/identity.js";
import { HOST, logText, openssl, opensslSans, silentLogger, snapshot, tempDir } from "./helpers.js";

const DAY_MS = 86_400_000;

async function newCa(name = "Test Club CA"): Promise<string> {
  const dir = join(tempDir("owts-ca-"), "ca");
  await initClubCa({ dir, name });
  return dir;
}

/** `openssl verify`'s verdict: true on "OK", false with its reason otherwise. */
function verify(caFile: string, certFile: string, at?: number): { ok: boolean; out: string } {
  const when = at === undefined ? [] : ["-attime", String(Math.floor(at / 1000))];
  try {
    return { ok: true, out: openssl(["verify", ...when, "-CAfile", caFile, certFile]) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

async function expectCaRefusal(dir: string, message: RegExp): Promise<void> {
  const before = snapshot(dir);
  let caught: unknown;
  try {
    await loadClubCa(dir);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CertificateError);
  expect((caught as CertificateError).code).toBe("bad-ca");
  expect((caught as Error).message).toMatch(message);
  expect(snapshot(dir)).toEqual(before);
}

describe("owts ca init: the club CA", () => {
  it("is ECDSA P-256 with critical CA:TRUE pathlen:0, keyCertSign+cRLSign and critical name constraints; key 0600", async () => {
    const dir = await newCa();
    const text = openssl(["x509", "-in", join(dir, "ca.crt"), "-noout", "-text"]);
    expect(text).toMatch(/ASN1 OID: prime256v1/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Name Constraints: critical\s+Permitted:/);
    for (const permitted of [
      "DNS:local",
      "DNS:localhost",
      "IP:127.0.0.0/255.0.0.0",
      "IP:10.0.0.0/255.0.0.0",
      "IP:172.16.0.0/255.240.0.0",
      "IP:192.168.0.0/255.255.0.0",
      "IP:169.254.0.0/255.255.0.0",
      "IP:FC00:0:0:0:0:0:0:0/FE00:0:0:0:0:0:0:0",
      "IP:FE80:0:0:0:0:0:0:0/FFC0:0:0:0:0:0:0:0",
    ])
      expect(text).toContain(permitted);
    expect(text).toContain("Subject: CN = Test Club CA");
    expect(statSync(join(dir, "ca.key")).mode & 0o777).toBe(0o600);
    expect(openssl(["pkey", "-in", join(dir, "ca.key"), "-noout", "-text"])).toContain("prime256v1");
  });

  it("never overwrites a non-empty directory without force, and changes nothing when it refuses", async () => {
    const dir = await newCa();
    const before = snapshot(dir);
    const original = await loadClubCa(dir);
    await expect(initClubCa({ dir })).rejects.toMatchObject({ code: "ca-exists" });
    expect(snapshot(dir)).toEqual(before);
    const other = tempDir("owts-ca-other-");
    writeFileSync(join(other, "notes.txt"), "mine");
    await expect(initClubCa({ dir: other })).rejects.toThrow(/is not empty \(notes.txt\)/);
    expect(snapshot(other)).toEqual({ "notes.txt": expect.any(String) });
    const replaced = await initClubCa({ dir, force: true });
    expect(replaced.fingerprintSha256).not.toBe(original.fingerprintSha256);
    expect(snapshot(dir)).not.toEqual(before);
  });

  it("rejects a bad name or validity before touching the disk", async () => {
    const dir = join(tempDir("owts-ca-"), "ca");
    await expect(initClubCa({ dir, name: "" })).rejects.toMatchObject({ code: "bad-name" });
    await expect(initClubCa({ dir, name: "a\nb" })).rejects.toMatchObject({ code: "bad-name" });
    await expect(initClubCa({ dir, days: 0 })).rejects.toMatchObject({ code: "bad-days" });
    expect(snapshot(dir)).toEqual({ "<no dir>": "" });
  });
});

describe("a unit certificate issued by the club CA", () => {
  it("passes openssl verify, names both mode hostnames, serverAuth, at most 397 days", async () => {
    const ca = await loadClubCa(await newCa());
    const data = tempDir();
    const { logger, ring } = silentLogger();
    const cert = await ensureDeviceCertificate({
      dataDir: data,
      hostname: "OWTS-winch-3A4F1C",
      siblingHostnames: otherModeHostnames,
      ca,
      logger,
    });
    const crt = join(data, "owts.crt");
    expect(verify(join(ca.dir, "ca.crt"), crt)).toMatchObject({ ok: true });
    expect(opensslSans(crt)).toEqual([
      "IP Address:192.168.4.1",
      "DNS:*.local",
      "DNS:OWTS-winch-3A4F1C.local",
      "DNS:owts-winch-3a4f1c.local",
      "DNS:OWTS-aircraft-3A4F1C.local",
      "DNS:owts-aircraft-3a4f1c.local",
    ]);
    const text = openssl(["x509", "-in", crt, "-noout", "-text"]);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toContain("Issuer: CN = Test Club CA, O = OWTS");
    expect(text).toMatch(/Authority Key Identifier/);
    expect(Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS)).toBe(397);
    expect(cert.selfSigned).toBe(false);
    expect(logText(ring)).toMatch(/certificate issued by the club CA \(CN=Test Club CA, O=OWTS\)/);
  });

  it("the constraints bite: a certificate for a public name signed with the CA's key fails openssl verify", async () => {
    const caDir = await newCa();
    const work = tempDir("owts-rogue-");
    const run = (args: string[]) => execFileSync("openssl", args, { cwd: work, stdio: "pipe" });
    writeFileSync(
      join(work, "ext.cnf"),
      "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.com\n",
    );
    run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "rogue.key"]);
    run(["req", "-new", "-key", "rogue.key", "-subj", "/CN=www.example.com", "-out", "rogue.csr"]);
    run([
      "x509",
      "-req",
      "-in",
      "rogue.csr",
      "-CA",
      join(caDir, "ca.crt"),
      "-CAkey",
      join(caDir, "ca.key"),
      "-CAcreateserial",
      "-days",
      "30",
      "-extfile",
      "ext.cnf",
      "-out",
      "rogue.crt",
    ]);
    const verdict = verify(join(caDir, "ca.crt"), join(work, "rogue.crt"));
    expect(verdict.ok).toBe(false);
    expect(verdict.out).toMatch(/permitted subtree violation/);

    // The same CA and the same tool accept a .local name: it is the constraint that failed above.
    writeFileSync(
      join(work, "ext.cnf"),
      "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:unit.local\n",
    );
    run(["req", "-new", "-key", "rogue.key", "-subj", "/CN=unit.local", "-out", "ok.csr"]);
    run([
      "x509",
      "-req",
      "-in",
      "ok.csr",
      "-CA",
      join(caDir, "ca.crt"),
      "-CAkey",
      join(caDir, "ca.key"),
      "-CAcreateserial",
      "-days",
      "30",
      "-extfile",
      "ext.cnf",
      "-out",
      "ok.crt",
    ]);
    expect(verify(join(caDir, "ca.crt"), join(work, "ok.crt")).ok).toBe(true);
  });

  it("replaces a self-signed certificate with a CA-issued one for the same key, saying why", async () => {
    const ca = await loadClubCa(await newCa());
    const data = tempDir();
    await issueCertificate({ dataDir: data, hostname: HOST, siblingHostnames: otherModeHostnames });
    const key = readFileSync(join(data, "owts.key"), "utf8");
    const { logger, ring } = silentLogger();
    const cert = await ensureDeviceCertificate({
      dataDir: data,
      hostname: HOST,
      siblingHostnames: otherModeHostnames,
      ca,
      logger,
    });
    expect(cert.keyPem).toBe(key);
    expect(verify(join(ca.dir, "ca.crt"), join(data, "owts.crt")).ok).toBe(true);
    expect(logText(ring)).toMatch(/because it was not issued by the club CA in .* \(SHA-256 [0-9A-F:]{95}\)/);
  });

  it("is renewed, while running, once a third of its life is left (injected clock), and hot-swapped", async () => {
    const ca = await loadClubCa(await newCa());
    const data = tempDir();
    const start = Date.parse("2027-03-01T12:00:00Z");
    const clock = new ManualClock(start);
    const { logger, ring } = silentLogger();
    const live = await openLiveCertificate({
      dataDir: data,
      hostname: "OWTS-winch-3A4F1C",
      siblingHostnames: otherModeHostnames,
      ca,
      clock,
      logger,
      watch: { debounceMs: 20 },
    });
    try {
      const first = live.current();
      const seen: string[] = [];
      live.onChange((c) => seen.push(c.fingerprintSha256));
      const life = first.notAfter.getTime() - first.notBefore.getTime();
      const due = first.notAfter.getTime() - life / 3;

      clock.advance(due - start - DAY_MS); // a day before: nothing
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([]);
      expect(live.current().fingerprintSha256).toBe(first.fingerprintSha256);

      clock.advance(2 * DAY_MS); // past the third: renewed
      await until(() => seen.length === 1);
      const renewed = live.current();
      expect(renewed.fingerprintSha256).not.toBe(first.fingerprintSha256);
      expect(renewed.keyPem).toBe(first.keyPem);
      expect(renewed.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
      expect(readFileSync(join(data, "owts.crt"), "utf8")).toBe(renewed.certPem);
      expect(verify(join(ca.dir, "ca.crt"), join(data, "owts.crt"), clock.now()).ok).toBe(true);
      expect(logText(ring)).toMatch(/because a third of its life or less is left/);

      // The next renewal is scheduled from the new certificate, not the old one.
      clock.advance(30 * DAY_MS);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(1);
    } finally {
      live.close();
    }
  });
});

describe("a mode change keeps the certificate", () => {
  it("self-signed: both mode hostnames from the start, so switching winch -> aircraft changes nothing", async () => {
    const data = tempDir();
    const { logger } = silentLogger();
    const live = await openLiveCertificate({
      dataDir: data,
      hostname: "OWTS-winch-3A4F1C",
      siblingHostnames: otherModeHostnames,
      logger,
    });
    try {
      const before = live.current();
      const after = await live.setHostname("OWTS-aircraft-3A4F1C");
      expect(after.fingerprintSha256).toBe(before.fingerprintSha256);
      expect(readFileSync(join(data, "owts.crt"), "utf8")).toBe(before.certPem);
      expect(Math.round((before.notAfter.getTime() - before.notBefore.getTime()) / DAY_MS)).toBe(3650);
    } finally {
      live.close();
    }
  });

  it("an old certificate without the other mode's name is re-issued once, same key, and the log says why", async () => {
    const data = tempDir();
    await issueCertificate({ dataDir: data, hostname: HOST, days: 500 }); // as before this change: one mode
    const key = readFileSync(join(data, "owts.key"), "utf8");
    const { logger, ring } = silentLogger();
    const opts = { dataDir: data, hostname: HOST, siblingHostnames: otherModeHostnames, logger };
    const once = await ensureDeviceCertificate(opts);
    expect(once.keyPem).toBe(key);
    expect(once.sans).toContain("DNS:OWTS-aircraft-3A4F1C.local");
    expect(Math.round((once.notAfter.getTime() - Date.now()) / DAY_MS)).toBe(500);
    expect(logText(ring)).toMatch(
      /re-issued the device certificate with the same key because it lacked DNS:OWTS-aircraft-3A4F1C.local, DNS:owts-aircraft-3a4f1c.local \(the other mode's hostname: with both names a mode change keeps the certificate and its fingerprint\)/,
    );
    const twice = await ensureDeviceCertificate({ ...opts, hostname: "OWTS-aircraft-3A4F1C" });
    expect(twice.fingerprintSha256).toBe(once.fingerprintSha256);
    expect(logText(ring).match(/re-issued/g)).toHaveLength(1);
  });

  it("a real name change (--id) re-issues and drops the old pair of names", async () => {
    const data = tempDir();
    const { logger } = silentLogger();
    const opts = { dataDir: data, siblingHostnames: otherModeHostnames, logger };
    const a = await ensureDeviceCertificate({ ...opts, hostname: "OWTS-winch-3A4F1C" });
    const b = await ensureDeviceCertificate({ ...opts, hostname: "OWTS-winch-00BEEF" });
    expect(b.fingerprintSha256).not.toBe(a.fingerprintSha256);
    expect(b.sans.filter((s) => s.includes("3A4F1C") || s.includes("3a4f1c"))).toEqual([]);
    expect(b.sans).toContain("DNS:OWTS-aircraft-00BEEF.local");
  });
});

describe("--ca with bad files refuses with a clear message and changes nothing", () => {
  it("a directory that does not exist", async () => {
    const dir = join(tempDir("owts-ca-"), "nope");
    await expect(loadClubCa(dir)).rejects.toThrow(
      /the club CA in .*nope cannot be used: the directory does not exist/,
    );
  });

  it("a certificate without its key", async () => {
    const dir = await newCa();
    unlinkSync(join(dir, "ca.key"));
    await expectCaRefusal(dir, /ca\.key is missing \(a CA certificate without its key cannot sign\)/);
  });

  it("a key without its certificate", async () => {
    const dir = await newCa();
    unlinkSync(join(dir, "ca.crt"));
    await expectCaRefusal(dir, /ca\.crt is missing/);
  });

  it("a damaged certificate", async () => {
    const dir = await newCa();
    writeFileSync(join(dir, "ca.crt"), readFileSync(join(dir, "ca.crt"), "utf8").slice(0, 200));
    await expectCaRefusal(dir, /ca\.crt is not a PEM certificate/);
  });

  it("a certificate and key that do not belong together", async () => {
    const dir = await newCa();
    const other = await newCa("Other");
    copyFileSync(join(other, "ca.key"), join(dir, "ca.key"));
    await expectCaRefusal(dir, /was not issued for .*ca\.key \(their public keys differ\)/);
  });

  it("a certificate that is not a CA (a unit's own certificate)", async () => {
    const unit = tempDir();
    await issueCertificate({ dataDir: unit, hostname: HOST });
    const dir = join(tempDir("owts-ca-"), "ca");
    mkdirSync(dir);
    copyFileSync(join(unit, "owts.crt"), join(dir, "ca.crt"));
    copyFileSync(join(unit, "owts.key"), join(dir, "ca.key"));
    await expectCaRefusal(dir, /is not a CA certificate \(basicConstraints CA:TRUE is missing\)/);
  });

  it("a CA from elsewhere without name constraints is accepted, and reported as unconstrained", async () => {
    const dir = join(tempDir("owts-ca-"), "ca");
    mkdirSync(dir);
    const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
    run([
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-subj",
      "/CN=Plain CA",
      "-days",
      "100",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
      "-out",
      "ca.crt",
    ]);
    const ca = await loadClubCa(dir);
    expect(ca.permitted).toBeNull();
    const data = tempDir();
    await ensureDeviceCertificate({ dataDir: data, hostname: HOST, ca });
    expect(verify(join(dir, "ca.crt"), join(data, "owts.crt")).ok).toBe(true);
  });
});

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
