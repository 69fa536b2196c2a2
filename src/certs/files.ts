import { constants } from "node:fs";
import { lstat, open, readlink, rename, stat, unlink } from "node:fs/promises";
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

/**
 * Largest certificate or key file read. A PEM certificate chain or RSA-4096 key is a few KiB; anything
 * bigger is not ours, and reading it (say, a link to /dev/zero) would eat the board's memory.
 */
export const MAX_PEM_BYTES = 64 * 1024;

/**
 * The file's text, or null when it does not exist. Only a regular file (after following links) of at
 * most MAX_PEM_BYTES is read: a FIFO would block start-up forever and a device node never ends. A
 * dangling link is an error naming where it points, never "missing": treating it as missing would
 * replace the user's link with a new file. Other failures (EACCES, EISDIR) throw.
 */
export async function readOptional(path: string): Promise<string | null> {
  try {
    const link = await lstat(path);
    if (link.isSymbolicLink()) {
      const target = await readlink(path);
      try {
        await stat(path);
      } catch {
        throw new CertificateError(
          "io",
          `${path} is a link to ${target}, which does not exist; fix or remove the link`,
        );
      }
    }
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw ioError("read", path, err);
  }
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not wait; the fstat below then refuses it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile())
      throw new CertificateError(
        "io",
        `${path} is not a regular file (${fileKind(st)}); it cannot be a certificate or key`,
      );
    if (st.size > MAX_PEM_BYTES)
      throw new CertificateError(
        "io",
        `${path} is ${st.size} bytes; a certificate or key file is at most ${MAX_PEM_BYTES} bytes`,
      );
    const buf = Buffer.alloc(MAX_PEM_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_PEM_BYTES)
      throw new CertificateError("io", `${path} grew past ${MAX_PEM_BYTES} bytes while being read`);
    return buf.subarray(0, bytesRead).toString("utf8");
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw ioError("read", path, err);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function fileKind(st: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
  isDirectory(): boolean;
}): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a plain file";
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
