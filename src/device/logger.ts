import { Writable } from "node:stream";
import pino from "pino";
import type { Logger } from "../core/logger.js";
import { escapeUnsafe } from "../core/safe-text.js";
import { DEFAULT_LOG_LEVEL } from "./defaults.js";
import { type LogFieldValue, type LogLevel, LogRing } from "./log-ring.js";

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

/** pino's own keys and the ones the ring line has as columns. */
const NOT_FIELDS = new Set(["level", "time", "tag", "msg", "unit", "pid", "hostname"]);
const MAX_FIELDS = 16;
const MAX_FIELD_TEXT = 200;

function fieldValue(v: unknown): LogFieldValue {
  if (v === null || typeof v === "number" || typeof v === "boolean") return v;
  const text = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  return escapeUnsafe(text.length > MAX_FIELD_TEXT ? `${text.slice(0, MAX_FIELD_TEXT)}…` : text);
}

/**
 * A record's structured fields for the ring: nested objects one level deep as `a.b`, strings
 * escaped like the message (they often come from the network) and cut at 200 characters, at most
 * 16 fields. Without this `/api/log` would say "telemetry from a new identity" but not which.
 */
export function ringFields(rec: Record<string, unknown>): Record<string, LogFieldValue> | undefined {
  const out: Record<string, LogFieldValue> = {};
  let n = 0;
  const put = (key: string, v: unknown): void => {
    if (n >= MAX_FIELDS || v === undefined) return;
    out[escapeUnsafe(key)] = fieldValue(v);
    n++;
  };
  for (const [k, v] of Object.entries(rec)) {
    if (NOT_FIELDS.has(k)) continue;
    if (v && typeof v === "object" && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) put(`${k}.${k2}`, v2);
    else put(k, v);
  }
  return n > 0 ? out : undefined;
}

export function createDeviceLogger(opts: DeviceLoggerOptions = {}): { logger: Logger; ring: LogRing } {
  const ring = new LogRing(opts.ringCapacity ?? 200);
  const startedAt = Date.now();
  const ringStream = pinoRecordStream((rec) => {
    const fields = ringFields(rec as unknown as Record<string, unknown>);
    ring.push({
      t_ms: rec.time - startedAt,
      level: LEVEL_NAMES[rec.level] ?? "info",
      tag: escapeUnsafe(rec.tag ?? "owts"),
      // The ring is shown by the UI and read by integrations: no record may smuggle in a fake line.
      msg: escapeUnsafe(rec.msg ?? ""),
      ...(fields ? { fields } : {}),
    });
  });
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
