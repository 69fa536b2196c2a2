import { type FileHandle, open, readFile } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { errnoCode, plainReason } from "./errors.js";

/*
 * An append-only text log made of checksummed batches: the store's way of recording something long
 * (a launch trace) without rewriting a file per line. Lines are buffered and appended in batches, each
 * followed by a mark line `#crc <lines> <crc32 hex>` covering the batch, then the file is synced
 * (fdatasync). A power cut can tear only the batch being written: on reading, everything up to the last
 * mark that verifies is kept and the torn tail dropped, so a crash loses at most one batch interval and
 * never the file. Every other line is the caller's; lines starting with `#` are comments to readers of
 * the text (the replay CSV reader skips them, marks included).
 */

const MARK = /^#crc (\d+) ([0-9a-f]{8})$/;

/** How a log's bytes reach the disk; tests inject a failing one (a full disk). */
export interface TraceIo {
  open(file: string): Promise<Pick<FileHandle, "write" | "datasync" | "close">>;
}

export const realTraceIo: TraceIo = {
  open: (file) => open(file, "a", 0o600),
};

export interface TraceLogOptions {
  file: string;
  /** @default realTraceIo */
  io?: TraceIo;
}

/** A write that failed; the log accepts nothing more (the caller marks its record incomplete). */
export class TraceWriteError extends Error {
  override name = "TraceWriteError";

  constructor(
    readonly file: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`trace ${file} not written: ${reason}`);
  }
}

function markFor(lines: readonly string[]): string {
  const text = lines.map((l) => `${l}\n`).join("");
  return `#crc ${lines.length} ${crc32(text).toString(16).padStart(8, "0")}`;
}

/** Writer of one log. Appends are buffered; `flush()` writes one batch; writes never interleave. */
export class TraceLog {
  readonly file: string;
  readonly #io: TraceIo;
  #handle: Promise<Pick<FileHandle, "write" | "datasync" | "close">> | undefined;
  #pending: string[] = [];
  #chain: Promise<void> = Promise.resolve();
  #failed: TraceWriteError | undefined;
  #bytes = 0;
  #batches = 0;

  constructor(opts: TraceLogOptions) {
    this.file = opts.file;
    this.#io = opts.io ?? realTraceIo;
  }

  /** Bytes written and synced so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Batches (syncs) so far. */
  get batches(): number {
    return this.#batches;
  }

  /** The write error that stopped the log, if any. */
  get failed(): TraceWriteError | undefined {
    return this.#failed;
  }

  /** Lines waiting for the next flush. */
  get buffered(): number {
    return this.#pending.length;
  }

  /** Buffers one line (no newline inside; the caller's format). Ignored once a write failed. */
  append(line: string): void {
    if (this.#failed) return;
    if (line.includes("\n")) throw new RangeError("a trace line must not contain a newline");
    this.#pending.push(line);
  }

  /**
   * Writes the buffered lines as one checksummed batch and syncs it. Resolves when it is on the disk;
   * rejects with TraceWriteError (and the log stops) when the file system refuses.
   */
  flush(): Promise<void> {
    if (this.#pending.length === 0 || this.#failed) return this.#chain;
    const lines = this.#pending;
    this.#pending = [];
    const data = Buffer.from(`${lines.map((l) => `${l}\n`).join("")}${markFor(lines)}\n`, "utf8");
    const run = this.#chain.then(async () => {
      if (this.#failed) throw this.#failed;
      try {
        this.#handle ??= this.#io.open(this.file);
        const h = await this.#handle;
        let at = 0;
        while (at < data.length) {
          const { bytesWritten } = await h.write(data, at, data.length - at);
          at += bytesWritten;
        }
        await h.datasync();
        this.#bytes += data.length;
        this.#batches++;
      } catch (err) {
        this.#failed ??= new TraceWriteError(this.file, errnoCode(err), plainReason(err));
        throw this.#failed;
      }
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Flushes what is buffered and closes the file. Never throws (a failure stays in `failed`). */
  async close(): Promise<void> {
    await this.flush().catch(() => {});
    await this.#chain;
    const h = this.#handle;
    this.#handle = undefined;
    if (h) await (await h.catch(() => null))?.close().catch(() => {});
  }
}

export interface ReadTrace {
  /** The verified lines, marks removed. */
  lines: string[];
  /** Bytes after the last verified mark (a torn batch from a power cut), dropped. */
  torn_bytes: number;
}

/** Reads a log back, keeping every batch whose mark verifies and dropping a torn tail. */
export async function readTraceLog(file: string): Promise<ReadTrace> {
  return parseTraceLog(await readFile(file, "utf8"));
}

export function parseTraceLog(text: string): ReadTrace {
  const out: string[] = [];
  let batch: string[] = [];
  let at = 0;
  let verifiedTo = 0;
  while (at < text.length) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) break; // no newline: torn
    const line = text.slice(at, nl);
    at = nl + 1;
    const m = MARK.exec(line);
    if (!m) {
      batch.push(line);
      continue;
    }
    if (Number(m[1]) !== batch.length || markFor(batch) !== line) break;
    out.push(...batch);
    batch = [];
    verifiedTo = at;
  }
  return { lines: out, torn_bytes: Buffer.byteLength(text.slice(verifiedTo), "utf8") };
}
