import { readFileSync } from "node:fs";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { errnoCode, plainReason, StoreOpenError } from "./errors.js";

export const LOCK_FILE = "owts.lock";

/** Who holds a data dir: enough to tell a live holder from a crashed one, and to name it to a person. */
interface LockRecord {
  pid: number;
  /** The holder's start time in clock ticks since boot (Linux /proc), so a reused pid is not mistaken for it. */
  started: string | null;
  host: string;
  since: string;
}

/** A second device on a data dir already in use; the message says who holds it and what to do. */
export class DataDirLockedError extends StoreOpenError {
  override name = "DataDirLockedError";

  constructor(
    dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      dataDir,
      "ELOCKED",
      `it is in use by another owts (pid ${holderPid}); stop that one first, or give this one its own --data-dir`,
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

function startTimeOf(pid: number): string | null {
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may contain spaces, so count from its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(rec: LockRecord): boolean {
  if (rec.host !== hostname()) return true; // a holder on another host (shared storage) cannot be checked: assume alive
  try {
    process.kill(rec.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  const started = startTimeOf(rec.pid);
  return rec.started === null || started === null || started === rec.started;
}

function parse(text: string): LockRecord | null {
  try {
    const rec = JSON.parse(text) as LockRecord;
    return Number.isInteger(rec.pid) && rec.pid > 0 && typeof rec.host === "string" ? rec : null;
  } catch {
    return null;
  }
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the data dir for this process, or refuses with DataDirLockedError while another live owts holds
 * it. Two devices on one directory would overwrite each other's settings and one would not know the
 * other's password. A lock left by a crashed holder (its pid gone, or reused by a process that started
 * later) is taken over: our record replaces it by rename, and we read it back after a pause, so of two
 * starters that both saw the stale lock only the one whose rename came last proceeds.
 *
 * @param settleMs how long to wait before reading a taken-over lock back. @default 50
 */
export async function lockDataDir(dataDir: string, settleMs = 50): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const path = join(dir, LOCK_FILE);
  const mine: LockRecord = {
    pid: process.pid,
    started: startTimeOf(process.pid),
    host: hostname(),
    since: new Date().toISOString(),
  };
  const text = `${JSON.stringify(mine)}\n`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StoreOpenError(dataDir, errnoCode(err), plainReason(err));
  }

  const ours = async () => (await readFile(path, "utf8").catch(() => "")) === text;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return held(path, text);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw new StoreOpenError(dataDir, errnoCode(err), plainReason(err));
    }
    const current = parse(await readFile(path, "utf8").catch(() => ""));
    if (current && alive(current)) throw new DataDirLockedError(dir, current.pid);
    // Stale (or unreadable: a crash while writing it). Replace it atomically, then check we kept it.
    const temp = `${path}.${process.pid}`;
    await open(temp, "w", 0o600).then(async (h) => {
      await h.writeFile(text);
      await h.sync();
      await h.close();
    });
    await rename(temp, path);
    await settle(settleMs);
    if (await ours()) return held(path, text);
    const winner = parse(await readFile(path, "utf8").catch(() => ""));
    if (winner && alive(winner)) throw new DataDirLockedError(dir, winner.pid);
  }
  throw new StoreOpenError(dataDir, "ELOCKED", `cannot take ${path}: it keeps changing`);
}

function held(path: string, text: string): DataDirLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if ((await readFile(path, "utf8").catch(() => "")) === text) await unlink(path).catch(() => {});
    },
  };
}
