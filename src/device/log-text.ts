import type { Writable } from "node:stream";
import { pinoRecordStream } from "./logger.js";

const LETTER: Record<number, string> = { 10: "V", 20: "D", 30: "I", 40: "W", 50: "E", 60: "E" };

/**
 * Turns pino's JSON lines into the ESP-IDF console form, `I (1234) web: message`: level letter,
 * milliseconds since start, tag. People who know the firmware read it at a glance.
 */
export function espStyleStream(out: NodeJS.WritableStream, startedAt = Date.now()): Writable {
  return pinoRecordStream((rec) => {
    // `unit` tells the demo's two devices apart on one console.
    const unit = rec.unit ? `[${rec.unit}] ` : "";
    out.write(
      `${LETTER[rec.level] ?? "I"} (${rec.time - startedAt}) ${unit}${rec.tag ?? "owts"}: ${rec.msg ?? ""}\n`,
    );
  });
}
