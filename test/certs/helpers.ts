import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeviceLogger } from "../../src/device/logger.js";

export const HOST = "OWTS-winch-3A4F1C.local";

export function tempDir(prefix = "owts-certs-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file in `dir` with its bytes and mode, to prove an operation changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return { "<no dir>": "" };
  }
  const out: Record<string, string> = {};
  for (const name of names) {
    const path = join(dir, name);
    out[name] = `${(statSync(path).mode & 0o777).toString(8)} ${readFileSync(path).toString("base64")}`;
  }
  return out;
}

export function openssl(args: string[], input?: string): string {
  return execFileSync("openssl", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

/** The SAN line as openssl prints it, split into entries ("IP Address:192.168.4.1", "DNS:*.local"). */
export function opensslSans(certPath: string): string[] {
  const text = openssl(["x509", "-in", certPath, "-noout", "-ext", "subjectAltName"]);
  const line = text.split("\n")[1] ?? "";
  return line
    .trim()
    .split(", ")
    .filter((s) => s.length > 0);
}

export function opensslEndDate(certPath: string): Date {
  const out = openssl(["x509", "-in", certPath, "-noout", "-enddate"]).trim();
  return new Date(out.replace(/^notAfter=/, ""));
}

export function silentLogger() {
  return createDeviceLogger({ destination: null });
}

export function logText(ring: ReturnType<typeof silentLogger>["ring"]): string {
  return ring
    .after(0)
    .lines.map((l) => `${l.level} ${l.tag} ${l.msg}`)
    .join("\n");
}
