import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.OWTS_CHROMIUM ?? "/usr/bin/chromium";

/** SPKI pin of the device certificate: Chromium trusts exactly this key, as a user who accepted it would. */
export function spkiPin(certPath: string): string {
  const cert = new X509Certificate(readFileSync(certPath));
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

/** Debian's Chromium, headless, with no background traffic (this machine has no network). */
export async function launchChromium(certPath?: string): Promise<Browser> {
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
    `--user-data-dir=${mkdtempSync(join(tmpdir(), "owts-chromium-"))}`,
  ];
  if (certPath) args.push(`--ignore-certificate-errors-spki-list=${spkiPin(certPath)}`);
  return chromium.launch({ executablePath: CHROMIUM, args });
}
