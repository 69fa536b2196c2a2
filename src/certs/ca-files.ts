import { join } from "node:path";
import type { CertPaths } from "./files.js";

export const CA_CERT_FILE = "ca.crt";
export const CA_KEY_FILE = "ca.key";

/** The club CA's files, in the shape `writePair` stages and renames (same crash-safe order as the device pair). */
export function caPaths(dir: string): CertPaths {
  const cert = join(dir, CA_CERT_FILE);
  const key = join(dir, CA_KEY_FILE);
  return { dir, cert, key, stagedCert: `${cert}.new`, stagedKey: `${key}.new` };
}
