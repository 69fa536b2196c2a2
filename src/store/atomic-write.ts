import { closeSync, fsyncSync, openSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let tempCounter = 0;

/** Matches the temp files writeFileAtomic creates; one that survives means a write was cut short. */
const TEMP_NAME = /^\..+\.tmp-\d+-\d+$/;

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Replaces `file` so that, whatever instant the process or the power dies, the file holds either
 * its old content or all of `data`: the data goes to a temp file in the same directory (rename is
 * only atomic within one file system), is flushed, renamed over the target, and the directory is
 * flushed so the rename itself survives a power cut.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.tmp-${process.pid}-${++tempCounter}`);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    renamed = true;
    await fsyncDir(dir);
  } catch (err) {
    if (!renamed) await unlink(temp).catch(() => {});
    throw err;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
