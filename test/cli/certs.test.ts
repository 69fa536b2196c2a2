import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ensureDeviceCertificate } from "../../src/certs/index.js";
import { runCertsCommand } from "../../src/cli/certs.js";
import { HOST, openssl, opensslEndDate, opensslSans, snapshot, tempDir } from "../certs/helpers.js";

const DAY_MS = 86_400_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with `answers` on stdin (ended afterwards), as a terminal when `tty`. */
async function certs(
  argv: string[],
  opts: { tty?: boolean; answers?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  stdin.end(opts.answers ?? "");
  const code = await runCertsCommand(argv, {
    stdin,
    stdout,
    stderr,
    isTTY: opts.tty ?? false,
    env: opts.env ?? {},
  });
  return { code, stdout: out, stderr: err };
}

async function deviceDir(): Promise<string> {
  const dir = tempDir("owts-cli-certs-");
  await ensureDeviceCertificate({ dataDir: dir, hostname: HOST });
  return dir;
}

function keyOf(dir: string): string {
  return readFileSync(join(dir, "owts.key"), "utf8");
}

function certOf(dir: string): string {
  return readFileSync(join(dir, "owts.crt"), "utf8");
}

describe("owts certs, non-interactive", () => {
  it("issues a first certificate from --mode/--id and prints fingerprint, expiry and names", async () => {
    const dir = join(tempDir("owts-cli-certs-"), "data");
    const r = await certs(["--data-dir", dir, "--mode", "winch", "--id", "3a4f1c", "--yes"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const fp = openssl(["x509", "-in", join(dir, "owts.crt"), "-noout", "-fingerprint", "-sha256"])
      .trim()
      .split("=")[1];
    expect(r.stdout).toContain(
      `Issued a new certificate for ${HOST} (with a new ECDSA P-256 key, as there was none).`,
    );
    expect(r.stdout).toContain(`fingerprint  SHA-256 ${fp}`);
    expect(r.stdout).toMatch(/valid until {2}\d{4}-\d\d-\d\dT.* \(3650 days\)/);
    expect(r.stdout).toContain(
      `names        IP:192.168.4.1, DNS:*.local, DNS:${HOST}, DNS:owts-winch-3a4f1c.local`,
    );
    expect(r.stdout).toContain("picks up the new certificate by itself; no restart needed");
    expect(
      Math.abs(opensslEndDate(join(dir, "owts.crt")).getTime() - (Date.now() + 3650 * DAY_MS)),
    ).toBeLessThan(DAY_MS);
  });

  it("re-issues for the hostname in the existing certificate, keeping the key, with --days and --san", async () => {
    const dir = await deviceDir();
    const key = keyOf(dir);
    const cert = certOf(dir);
    const r = await certs([
      "--data-dir",
      dir,
      "--days",
      "30",
      "--san",
      "10.0.0.5",
      "--san",
      "winch.club.lan",
    ]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("(kept the existing ECDSA P-256 key)");
    expect(keyOf(dir)).toBe(key);
    expect(certOf(dir)).not.toBe(cert);
    expect(opensslSans(join(dir, "owts.crt"))).toEqual([
      "IP Address:192.168.4.1",
      "DNS:*.local",
      `DNS:${HOST}`,
      "DNS:owts-winch-3a4f1c.local",
      // The other mode's name too, so a mode change keeps this certificate.
      "DNS:OWTS-aircraft-3A4F1C.local",
      "DNS:owts-aircraft-3a4f1c.local",
      "IP Address:10.0.0.5",
      "DNS:winch.club.lan",
    ]);
    expect(
      Math.abs(opensslEndDate(join(dir, "owts.crt")).getTime() - (Date.now() + 30 * DAY_MS)),
    ).toBeLessThan(DAY_MS);

    // A later run without --san says which names it drops.
    const again = await certs(["--data-dir", dir, "--yes"]);
    expect(again.stdout).toContain(
      "dropped      IP:10.0.0.5, DNS:winch.club.lan (pass --san to keep a name)",
    );
  });

  it("regenerates the key as RSA on request and takes the data dir from OWTS_DATA_DIR", async () => {
    const dir = await deviceDir();
    const key = keyOf(dir);
    const r = await certs(["--regen-key", "--key-type", "rsa", "--yes"], { env: { OWTS_DATA_DIR: dir } });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("(with a new RSA 2048 key)");
    expect(keyOf(dir)).not.toBe(key);
    expect(openssl(["pkey", "-in", join(dir, "owts.key"), "-noout", "-text"])).toContain(
      "Private-Key: (2048 bit",
    );
    expect(openssl(["x509", "-in", join(dir, "owts.crt"), "-noout", "-text"])).toContain(
      "Public-Key: (2048 bit)",
    );
  });

  it("prints help", async () => {
    const r = await certs(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: owts certs \[options\]/);
    expect(r.stdout).toContain("--regen-key");
  });
});

describe("owts certs, interactive (gen_certs.sh)", () => {
  it("Enter takes 3650 days, Enter/n keeps the key, and the certificate is always re-issued", async () => {
    const dir = await deviceDir();
    const key = keyOf(dir);
    const cert = certOf(dir);
    const r = await certs(["--data-dir", dir], { tty: true, answers: "\nn\n" });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("Validity in days [3650]: Regenerate private key? [y/N]: ");
    expect(r.stdout).toContain("(kept the existing ECDSA P-256 key)");
    expect(r.stdout).toContain("(3650 days)");
    expect(keyOf(dir)).toBe(key);
    expect(certOf(dir)).not.toBe(cert);
  });

  it("asks again after a bad answer, and y regenerates the key", async () => {
    const dir = await deviceDir();
    const key = keyOf(dir);
    const r = await certs(["--data-dir", dir], { tty: true, answers: "abc\n0\n45\nmaybe\nY\n" });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(
      r.stdout.match(/enter a whole number of days from 1 to 36500, or press Enter for 3650/g),
    ).toHaveLength(2);
    expect(r.stdout).toContain("answer y or n (Enter = n)");
    expect(r.stdout).toContain("(45 days)");
    expect(keyOf(dir)).not.toBe(key);
  });

  it("asks only what the flags leave open", async () => {
    const dir = await deviceDir();
    const r = await certs(["--data-dir", dir, "--days", "10"], { tty: true, answers: "\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("Validity in days");
    expect(r.stdout).toContain("Regenerate private key? [y/N]: ");
  });

  it("gives up after three bad answers, and on end of input, changing nothing", async () => {
    const dir = await deviceDir();
    const before = snapshot(dir);
    const bad = await certs(["--data-dir", dir], { tty: true, answers: "x\ny\nz\n" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "owts certs: no valid answer after 3 tries: enter a whole number of days from 1 to 36500, or press Enter for 3650\n",
    );
    const eof = await certs(["--data-dir", dir], { tty: true, answers: "\n" });
    expect(eof.code).toBe(1);
    expect(eof.stderr).toBe("owts certs: aborted (no answer); nothing was changed\n");
    expect(snapshot(dir)).toEqual(before);
  });

  it("does not ask about the key when there is none yet", async () => {
    const dir = tempDir("owts-cli-certs-");
    const r = await certs(["--data-dir", dir, "--hostname", HOST], { tty: true, answers: "20\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("Regenerate private key");
    expect(r.stdout).toContain(", as there was none).");
  });

  it("--yes asks nothing even on a terminal", async () => {
    const dir = await deviceDir();
    const r = await certs(["--data-dir", dir, "--yes"], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("[3650]");
  });
});

describe("owts certs refuses bad input with one line and changes nothing", () => {
  it.each([
    [["--bogus"], /Unknown option '--bogus'/],
    [["stray"], /Unexpected argument 'stray'/],
    [["--days", "0"], /--days: "0" must be a whole number of days from 1 to 36500/],
    [["--days=-1"], /--days: "-1" must be a whole number/],
    [["--days", "-1"], /--days: "-1" must be a whole number/],
    [["--days", "abc"], /--days: "abc" must be a whole number/],
    [["--days", "36501"], /--days: "36501" must be a whole number/],
    [["--days", "1.5"], /--days: "1.5" must be a whole number/],
    [["--san", "bad name!"], /--san: SAN "bad name!" is not a DNS name or IP address/],
    [["--san", "*.lan"], /wildcard directly under a top-level label/],
    [["--san", "IP:300.1.1.1"], /"300.1.1.1" is not an IPv4 or IPv6 address/],
    [["--key-type", "dsa"], /--key-type: "dsa" is not ecdsa or rsa/],
    [["--mode", "glider", "--id", "3A4F1C"], /--mode: "glider" is not a mode/],
    [["--mode", "winch", "--id", "12"], /--id: "12" is not 6 hex digits/],
    [["--id", "3A4F1C"], /--id needs --mode/],
    [["--hostname", "a.lan", "--mode", "winch"], /--hostname cannot be combined with --mode\/--id/],
    [["--hostname", "a..lan"], /--hostname: hostname "a..lan" cannot be used/],
    [["--key-type", "rsa"], /the existing key .*owts.key is ECDSA P-256, not RSA; add --regen-key/],
  ])("%j", async (argv, message) => {
    const dir = await deviceDir();
    const before = snapshot(dir);
    const r = await certs([...argv, "--data-dir", dir, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
    expect(snapshot(dir)).toEqual(before);
  });

  it("a data dir that cannot be one", async () => {
    const file = join(tempDir("owts-cli-certs-"), "file");
    writeFileSync(file, "x");
    const r = await certs(["--data-dir", join(file, "data"), "--hostname", HOST, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^owts certs: --data-dir: .*file\/data cannot be used as the data directory \(ENOTDIR\)\n$/,
    );
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  it("no hostname anywhere: asks for one and creates no directory", async () => {
    const dir = join(tempDir("owts-cli-certs-"), "data");
    const r = await certs(["--data-dir", dir, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no hostname to issue the certificate for \(.*owts.crt does not exist\); pass --hostname NAME, or --mode MODE --id HEX6/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("a damaged key is only replaced with --regen-key", async () => {
    const dir = await deviceDir();
    writeFileSync(join(dir, "owts.key"), "damaged\n", { mode: 0o600 });
    const before = snapshot(dir);
    const refused = await certs(["--data-dir", dir, "--yes"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /owts.key cannot be read: it is not a PEM private key; .*--regen-key --yes/,
    );
    expect(snapshot(dir)).toEqual(before);
    const fixed = await certs(["--data-dir", dir, "--yes", "--regen-key"]);
    expect(fixed.code).toBe(0);
    expect(openssl(["pkey", "-in", join(dir, "owts.key"), "-noout"])).toBe("");
  });

  it("a damaged certificate needs the hostname given", async () => {
    const dir = await deviceDir();
    writeFileSync(join(dir, "owts.crt"), "damaged\n");
    const refused = await certs(["--data-dir", dir, "--yes"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /no hostname .*owts.crt cannot be read: it is not a PEM certificate.*pass --hostname NAME/,
    );
    const fixed = await certs(["--data-dir", dir, "--yes", "--hostname", "OWTS-winch-3A4F1C"]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("(kept the existing ECDSA P-256 key)");
  });
});
