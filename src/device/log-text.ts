import { fstatSync } from "node:fs";
import type { Writable } from "node:stream";
import { escapeUnsafe } from "../core/safe-text.js";
import { pinoRecordStream } from "./logger.js";

const LETTER: Record<number, string> = { 10: "V", 20: "D", 30: "I", 40: "W", 50: "E", 60: "E" };

/**
 * Turns pino's JSON lines into the ESP-IDF console form, `I (1234) web: message`: level letter,
 * milliseconds since start, tag. People who know the firmware read it at a glance.
 */
export function espStyleStream(out: NodeJS.WritableStream, startedAt = Date.now()): Writable {
  return pinoRecordStream((rec) => {
    // `unit` tells the demo's two devices apart on one console.
    const unit = rec.unit ? `[${escapeUnsafe(rec.unit)}] ` : "";
    // One record is one line: a message carrying a peer's newline or escape sequence cannot add another.
    const line = `${unit}${escapeUnsafe(rec.tag ?? "owts")}: ${escapeUnsafe(rec.msg ?? "")}`;
    out.write(`${LETTER[rec.level] ?? "I"} (${rec.time - startedAt}) ${line}\n`);
  });
}

/** syslog(3) priorities of pino's levels: debug 7, info 6, warning 4, err 3, crit 2. */
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/**
 * The form for journald (stderr connected to it, see `isJournalStream`): `<6>web: message`. The
 * `<N>` prefix is the priority journald files the line under (`journalctl -p warning` filters on
 * it); journald stamps the time itself, so the line carries none.
 */
export function journalStream(out: NodeJS.WritableStream): Writable {
  return pinoRecordStream((rec) => {
    const unit = rec.unit ? `[${escapeUnsafe(rec.unit)}] ` : "";
    const line = `${unit}${escapeUnsafe(rec.tag ?? "owts")}: ${escapeUnsafe(rec.msg ?? "")}`;
    out.write(`<${PRIORITY[rec.level] ?? 6}>${line}\n`);
  });
}

/**
 * True when stderr is journald's stream: $JOURNAL_STREAM ("device:inode", set by systemd) names the
 * very file stderr is. A child that inherited the variable but writes elsewhere keeps the console form.
 */
export function isJournalStream(env: NodeJS.ProcessEnv, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1] as string) && st.ino === BigInt(m[2] as string);
  } catch {
    return false;
  }
}
