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
