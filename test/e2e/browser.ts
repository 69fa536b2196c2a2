import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

import { CHROMIUM, HEADLESS_ARGS } from "../../bench/lib/chromium.js";

export { CHROMIUM };

/** SPKI pin of the device certificate: Chromium trusts exactly this key, as a user who accepted it would. */
export function spkiPin(certPath: string): string {
  const cert = new X509Certificate(readFileSync(certPath));
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

/**
 * Debian's Chromium, headless (Playwright gives it a fresh temporary profile; it refuses a
 * `--user-data-dir` argument), with no background traffic (this machine has no network). Trusts the
 * given device certificate(s) by SPKI pin (the demo runs two units, each with its own certificate).
 */
export async function launchChromium(
  certPath?: string | string[],
  extraArgs: string[] = [],
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const args = [...HEADLESS_ARGS, ...extraArgs];
  const certs = certPath === undefined ? [] : Array.isArray(certPath) ? certPath : [certPath];
  if (certs.length > 0) args.push(`--ignore-certificate-errors-spki-list=${certs.map(spkiPin).join(",")}`);
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/**
 * Chromium as a new user's would be: certificate errors NOT ignored, and trust only from its NSS
 * database (`$HOME/.pki/nssdb`, made here in a temporary HOME with Debian's `certutil`), which holds
 * `caPath` as a trusted CA, or nothing. `hosts` maps names to 127.0.0.1 (an mDNS name on loopback).
 */
export async function launchChromiumWithNss(caPath: string | null, hosts: string[]): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const home = mkdtempSync(join(tmpdir(), "owts-nss-home-"));
  const db = join(home, ".pki", "nssdb");
  mkdirSync(db, { recursive: true });
  execFileSync("certutil", ["-d", `sql:${db}`, "-N", "--empty-password"], { stdio: "pipe" });
  if (caPath)
    execFileSync("certutil", ["-d", `sql:${db}`, "-A", "-n", "owts-club-ca", "-t", "C,,", "-i", caPath]);
  return chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, HOME: home },
    args: [...HEADLESS_ARGS, `--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(",")}`],
  });
}
