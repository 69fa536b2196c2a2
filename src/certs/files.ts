import { open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CertificateError } from "./errors.js";

export const CERT_FILE = "owts.crt";
export const KEY_FILE = "owts.key";
/**
 * Fixed staging names (not random ones) so that the next writer can find what a crash left behind
 * and finish or drop it; see `device-certificate.ts` for the recovery rule.
 */
const STAGED = ".new";

export interface CertPaths {
  dir: string;
  cert: string;
  key: string;
  stagedCert: string;
  stagedKey: string;
}

export function certPaths(dataDir: string): CertPaths {
  const cert = join(dataDir, CERT_FILE);
  const key = join(dataDir, KEY_FILE);
  return { dir: dataDir, cert, key, stagedCert: cert + STAGED, stagedKey: key + STAGED };
}

function ioError(action: string, path: string, err: unknown): CertificateError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new CertificateError("io", `cannot ${action} ${path} (${code})`);
}

/** The file's text, or null when it does not exist. Other failures (EACCES, EISDIR) throw. */
export async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw ioError("read", path, err);
  }
}

export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError("remove", path, err);
  }
}

async function writeDurably(path: string, text: string, mode: number): Promise<void> {
  await removeIfPresent(path);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "wx", mode);
    // The umask may have narrowed `mode`; a key file must end up exactly owner-only.
    await handle.chmod(mode);
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await removeIfPresent(path).catch(() => undefined);
    throw ioError("write", path, err);
  }
  await handle.close();
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function renameInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    throw ioError("replace", to, err);
  }
}

/**
 * Replaces the certificate (and the key, when given) so that a crash at any instant leaves either the
 * old pair, the new pair, or new key + staged new certificate, which the next writer completes.
 * Order: stage both fully on disk, then rename the key, then the certificate.
 */
export async function writePair(paths: CertPaths, certPem: string, keyPem?: string): Promise<void> {
  let committed = false;
  try {
    if (keyPem !== undefined) await writeDurably(paths.stagedKey, keyPem, 0o600);
    await writeDurably(paths.stagedCert, certPem, 0o644);
    await syncDir(paths.dir);
    committed = true;
    if (keyPem !== undefined) await renameInto(paths.stagedKey, paths.key);
    await renameInto(paths.stagedCert, paths.cert);
    await syncDir(paths.dir);
  } catch (err) {
    // Before the first rename the live files are untouched; leave no staged litter either.
    if (!committed) {
      await removeIfPresent(paths.stagedKey).catch(() => undefined);
      await removeIfPresent(paths.stagedCert).catch(() => undefined);
    }
    if (err instanceof CertificateError) throw err;
    throw ioError("write into", paths.dir, err);
  }
}
