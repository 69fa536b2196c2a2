/** One line of the device log as the API serves it (`GET /api/log`). */
export interface LogLine {
  seq: number;
  t_ms: number;
  level: LogLevel;
  tag: string;
  msg: string;
  /** The line's structured fields (flattened, escaped, bounded), when it has any. */
  fields?: Record<string, LogFieldValue>;
}

export type LogFieldValue = string | number | boolean | null;

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/**
 * The device's RAM log: a fixed-size ring of recent lines, numbered by a sequence that never
 * restarts while the process lives, so a client can ask for "everything after seq N" and learn
 * when lines it never saw have already been overwritten.
 */
export class LogRing {
  readonly #lines: (LogLine | undefined)[];
  #nextSeq = 1;

  constructor(readonly capacity = 200) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("log ring capacity must be >= 1");
    this.#lines = new Array(capacity);
  }

  push(line: Omit<LogLine, "seq">): LogLine {
    const entry: LogLine = { seq: this.#nextSeq++, ...line };
    this.#lines[(entry.seq - 1) % this.capacity] = entry;
    return entry;
  }

  /** Sequence number of the newest line, 0 when empty. */
  get newestSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Sequence number of the oldest line still held, 0 when empty. */
  get oldestSeq(): number {
    return this.#nextSeq === 1 ? 0 : Math.max(1, this.#nextSeq - this.capacity);
  }

  /**
   * Lines with seq > after. `dropped` counts lines after `after` that were already overwritten
   * (the client fell behind by more than the ring holds).
   */
  after(after: number): { lines: LogLine[]; dropped: number } {
    const from = Math.max(after + 1, this.oldestSeq || 1);
    const dropped = this.oldestSeq > after + 1 ? this.oldestSeq - (after + 1) : 0;
    const lines: LogLine[] = [];
    for (let seq = from; seq <= this.newestSeq; seq++) {
      const line = this.#lines[(seq - 1) % this.capacity];
      if (line) lines.push(line);
    }
    return { lines, dropped };
  }
}
