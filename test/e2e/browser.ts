import { createHash, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.OWTS_CHROMIUM ?? "/usr/bin/chromium";

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
  const args = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    ...extraArgs,
  ];
  const certs = certPath === undefined ? [] : Array.isArray(certPath) ? certPath : [certPath];
  if (certs.length > 0) args.push(`--ignore-certificate-errors-spki-list=${certs.map(spkiPin).join(",")}`);
  return chromium.launch({ executablePath: CHROMIUM, args });
}
