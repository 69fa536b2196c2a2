import { readFile, stat } from "node:fs/promises";
import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import { SPEED_UNITS, toMps } from "../core/units.js";
import { DEFAULT_TIME_SCALE, type IasSample, type IasSource, type SensorHealth } from "./ias-source.js";

/**
 * Replay of a recorded launch from CSV. Format:
 *
 *     # comments start with '#', anywhere on a line; blank lines are ignored
 *     t_ms,ias_kmh        <- optional header; the suffix names the unit (kmh, kt, mph, mps)
 *     0,0
 *     50,1.2
 *
 * `t_ms` is milliseconds (≥ 0, strictly increasing), `ias` is non-negative airspeed in the unit.
 * Columns after those two (a launch exported from `/api/history/{id}.csv` has zone, phase, RSSI, …) are
 * ignored, in the header and in the rows.
 * Without a unit suffix in the header, the `unit` option must say it; when both say it they must agree.
 * Between rows the airspeed is interpolated linearly, so the read rate need not match the recording.
 */

export const REPLAY_UNITS = [...SPEED_UNITS, "mps"] as const;
export type ReplayUnit = (typeof REPLAY_UNITS)[number];

/** Faster than any glider flies; anything above is a broken file, not a recording. */
const MAX_IAS_MPS = 150;
const MAX_FILE_BYTES = 32 * 1024 * 1024;

export class ReplayParseError extends Error {
  override name = "ReplayParseError";

  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(line === undefined ? `${file}: ${detail}` : `${file} line ${line}: ${detail}`);
  }
}

export interface ReplayTrace {
  unit: ReplayUnit;
  /** Times as recorded; airspeed converted to m/s. */
  points: IasSample[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isReplayUnit(u: string): u is ReplayUnit {
  return (REPLAY_UNITS as readonly string[]).includes(u);
}

function unitToMps(unit: ReplayUnit, v: number): number {
  return unit === "mps" ? v : toMps(unit, v);
}

/** Parses replay CSV text strictly; every complaint names the line. */
export function parseReplayCsv(text: string, opts: { unit?: ReplayUnit; name?: string } = {}): ReplayTrace {
  const name = opts.name ?? "replay";
  if (opts.unit !== undefined && !isReplayUnit(opts.unit)) {
    throw new ReplayParseError(
      name,
      undefined,
      `unit must be one of ${REPLAY_UNITS.join(", ")} (got ${JSON.stringify(opts.unit)})`,
    );
  }
  let unit: ReplayUnit | undefined = opts.unit;
  const points: IasSample[] = [];
  let sawData = false;
  let sawHeader = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const hash = lines[i]!.indexOf("#");
    const line = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
    if (line === "") continue;
    const cols = line.split(",").map((c) => c.trim());
    const fail = (msg: string): never => {
      throw new ReplayParseError(name, lineNo, msg);
    };
    if (!sawData && !sawHeader && /^[A-Za-z_]/.test(cols[0] ?? "")) {
      sawHeader = true;
      const m = /^ias(?:_([a-z]+))?$/.exec(cols[1] ?? "");
      if (cols.length < 2 || cols[0] !== "t_ms" || !m) {
        fail(`header must start "t_ms,ias_<unit>" (unit one of ${REPLAY_UNITS.join(", ")}), got "${line}"`);
      }
      const suffix = m![1];
      if (suffix !== undefined) {
        if (!isReplayUnit(suffix))
          fail(`unknown unit "${suffix}" in header; use one of ${REPLAY_UNITS.join(", ")}`);
        else if (unit !== undefined && unit !== suffix)
          fail(`header says ${suffix} but the unit option says ${unit}`);
        else unit = suffix;
      }
      continue;
    }
    if (cols.length < 2) fail(`expected 2 columns "t_ms,ias", found ${cols.length} ("${line}")`);
    const [tRaw, vRaw] = cols as [string, string];
    if (!NUMBER.test(tRaw)) fail(`t_ms "${tRaw}" is not a number`);
    if (!NUMBER.test(vRaw)) fail(`ias "${vRaw}" is not a number`);
    const t = Number(tRaw);
    const v = Number(vRaw);
    if (!Number.isFinite(t) || t < 0) fail(`t_ms ${tRaw} must be a finite number of milliseconds ≥ 0`);
    const prev = points[points.length - 1];
    if (prev && t <= prev.t_ms)
      fail(`t_ms ${tRaw} is not after the previous row's ${prev.t_ms}; times must increase`);
    if (!Number.isFinite(v)) fail(`ias ${vRaw} is not a finite number`);
    if (v < 0) fail(`ias ${vRaw} must not be negative`);
    if (unit === undefined) {
      fail(`no unit: give a header "t_ms,ias_<unit>" (${REPLAY_UNITS.join(", ")}) or the unit option`);
    }
    const mps = unitToMps(unit!, v);
    if (mps > MAX_IAS_MPS) fail(`ias ${vRaw} ${unit} is implausible (above ${MAX_IAS_MPS} m/s)`);
    points.push({ t_ms: t, ias_mps: mps });
    sawData = true;
  }
  if (points.length === 0)
    throw new ReplayParseError(name, undefined, "no data rows (empty file, or only comments/header)");
  return { unit: unit!, points };
}

export async function loadReplayFile(path: string, opts: { unit?: ReplayUnit } = {}): Promise<ReplayTrace> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new ReplayParseError(path, undefined, `cannot read: ${(err as Error).message}`);
  }
  if (size > MAX_FILE_BYTES)
    throw new ReplayParseError(path, undefined, `too large (${size} bytes, limit ${MAX_FILE_BYTES})`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ReplayParseError(path, undefined, `cannot read: ${(err as Error).message}`);
  }
  return parseReplayCsv(text, { ...opts, name: path });
}

export interface ReplaySourceOptions {
  /**
   * CSV file, read and checked by start().
   * @default none — give this or `text`
   */
  path?: string;
  /**
   * CSV text, checked at once (give this or `path`).
   * @default none — give this or `path`
   */
  text?: string;
  /** @default undefined (the header's suffix says it) */
  unit?: ReplayUnit;
  /**
   * Start over after the last row (hold the last value).
   * @default false
   */
  loop?: boolean;
  /**
   * Recording milliseconds per real millisecond, (0, 1000].
   * @default DEFAULT_TIME_SCALE
   */
  timeScale?: number;
  /** @default `performance.now` */
  now?: () => number;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/**
 * Plays a recorded trace against a clock. Sample times are playback time since start() (scaled,
 * and still increasing across loops), so the flight-phase machine sees a continuous clock.
 */
export class ReplayIasSource implements IasSource {
  readonly kind = "replay";
  readonly loop: boolean;
  readonly timeScale: number;
  readonly #path: string | undefined;
  readonly #unit: ReplayUnit | undefined;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  #trace: ReplayTrace | undefined;
  #t0: number | undefined;

  constructor(opts: ReplaySourceOptions) {
    const p = new ProblemList();
    if ((opts.path === undefined) === (opts.text === undefined))
      p.add("/path", "give exactly one of path or text");
    if (opts.path !== undefined && (typeof opts.path !== "string" || opts.path === ""))
      p.add("/path", "must be a file path");
    if (opts.unit !== undefined && !isReplayUnit(opts.unit)) {
      p.add("/unit", `must be one of ${REPLAY_UNITS.join(", ")} (got ${JSON.stringify(opts.unit)})`);
    }
    const timeScale = opts.timeScale ?? DEFAULT_TIME_SCALE;
    p.number("/timeScale", timeScale, { min: 0, max: 1000, minExclusive: true });
    p.throwIfAny("replay source settings");
    this.loop = opts.loop ?? false;
    this.timeScale = timeScale;
    this.#path = opts.path;
    this.#unit = opts.unit;
    this.#now = opts.now ?? (() => performance.now());
    this.#log = opts.logger?.child({ tag: "sensor" });
    if (opts.text !== undefined)
      this.#trace = parseReplayCsv(opts.text, opts.unit ? { unit: opts.unit } : {});
  }

  async start(): Promise<void> {
    if (this.#path !== undefined && !this.#trace) {
      this.#trace = await loadReplayFile(this.#path, this.#unit ? { unit: this.#unit } : {});
    }
    const pts = this.#trace!.points;
    this.#t0 = this.#now();
    this.#log?.info(
      `replay started: ${pts.length} rows over ${((pts[pts.length - 1]!.t_ms - pts[0]!.t_ms) / 1000).toFixed(1)} s${this.loop ? ", looping" : ""}`,
    );
  }

  /** Duration of the recording in milliseconds (after start, or at once for `text`). */
  get durationMs(): number | undefined {
    const pts = this.#trace?.points;
    return pts ? pts[pts.length - 1]!.t_ms - pts[0]!.t_ms : undefined;
  }

  async read(): Promise<IasSample | null> {
    if (this.#t0 === undefined || !this.#trace) throw new Error("replay source: call start() before read()");
    const t = Math.max(0, (this.#now() - this.#t0) * this.timeScale);
    return { t_ms: t, ias_mps: this.iasAt(t) };
  }

  /** Airspeed (m/s) at `playMs` after the first row, honouring `loop`. */
  iasAt(playMs: number): number {
    const pts = this.#trace!.points;
    const first = pts[0]!;
    const period = this.durationMs!;
    let at = first.t_ms + playMs;
    if (this.loop && period > 0) at = first.t_ms + (playMs % period);
    if (at <= first.t_ms) return first.ias_mps;
    const last = pts[pts.length - 1]!;
    if (at >= last.t_ms) return last.ias_mps;
    // Binary search for the row pair around `at`.
    let lo = 0;
    let hi = pts.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (pts[mid]!.t_ms <= at) lo = mid;
      else hi = mid;
    }
    const a = pts[lo]!;
    const b = pts[hi]!;
    return a.ias_mps + ((b.ias_mps - a.ias_mps) * (at - a.t_ms)) / (b.t_ms - a.t_ms);
  }

  health(): SensorHealth {
    return this.#t0 === undefined
      ? { state: "starting", reason: "not started", errors: 0, source: this.kind }
      : { state: "ok", errors: 0, source: this.kind };
  }

  async close(): Promise<void> {
    this.#t0 = undefined;
  }
}
