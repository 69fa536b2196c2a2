import { Writable } from "node:stream";
import pino from "pino";
import type { Logger } from "../core/logger.js";
import { escapeUnsafe } from "../core/safe-text.js";
import { DEFAULT_LOG_LEVEL } from "./defaults.js";
import { type LogLevel, LogRing } from "./log-ring.js";

const LEVEL_NAMES: Record<number, LogLevel> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

export interface DeviceLoggerOptions {
  /**
   * Minimum level written anywhere.
   * @default DEFAULT_LOG_LEVEL
   */
  level?: string;
  /**
   * Where the JSON lines go besides the ring (null for nowhere).
   * @default stdout
   */
  destination?: NodeJS.WritableStream | null;
  /** @default 200 */
  ringCapacity?: number;
}

/**
 * A pino logger that also feeds the RAM ring behind `GET /api/log`. Modules log through a child
 * with a `tag` binding (`logger.child({ tag: "tls" })`), which becomes the line's tag.
 * Secrets never reach a log call: the redaction below is a second line of defence.
 */
/** The fields of a pino JSON line that the device's log consumers read. */
export interface PinoRecord {
  level: number;
  time: number;
  tag?: string;
  msg?: string;
  /** Set by the demo to tell its two units apart. */
  unit?: string;
}

/** A writable that hands each pino JSON line to `onRecord`, parsed. */
export function pinoRecordStream(onRecord: (rec: PinoRecord) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      try {
        onRecord(JSON.parse(chunk.toString()) as PinoRecord);
      } catch {
        // A line that is not JSON cannot come from pino; skipping it keeps consumers consistent.
      }
      done();
    },
  });
}

export function createDeviceLogger(opts: DeviceLoggerOptions = {}): { logger: Logger; ring: LogRing } {
  const ring = new LogRing(opts.ringCapacity ?? 200);
  const startedAt = Date.now();
  const ringStream = pinoRecordStream((rec) =>
    ring.push({
      t_ms: rec.time - startedAt,
      level: LEVEL_NAMES[rec.level] ?? "info",
      tag: escapeUnsafe(rec.tag ?? "owts"),
      // The ring is shown by the UI and read by integrations: no record may smuggle in a fake line.
      msg: escapeUnsafe(rec.msg ?? ""),
    }),
  );
  const streams: pino.StreamEntry[] = [{ stream: ringStream, level: "trace" }];
  const destination = opts.destination === undefined ? process.stdout : opts.destination;
  if (destination) streams.push({ stream: destination, level: "trace" });
  const logger = pino(
    {
      level: opts.level ?? DEFAULT_LOG_LEVEL,
      base: undefined,
      redact: { paths: ["password", "*.password", "authorization", "*.authorization"], censor: "[redacted]" },
    },
    pino.multistream(streams),
  );
  return { logger, ring };
}
