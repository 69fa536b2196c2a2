import type { Band } from "../core/identity-band.js";
import { isOffCable, LAUNCH_PHASES, type LaunchPhase } from "../core/launch-phase.js";
import { SPEED_UNITS, type SpeedUnit } from "../core/units.js";
import type { Zone } from "./receiver.js";

/*
 * One launch's trace: its points, the events between them, the header that names it, their text form
 * (the file on disk and the CSV download are the same lines) and the summary computed from them. The
 * text is the replay source's CSV, `t_ms,ias_<unit>` first, so a recorded launch replays as it is:
 *
 *     # owts-trace v1 {"id":"…","source":"winch","start":"…","registration":"D-1234",…}
 *     t_ms,ias_kmh,zone,phase,rssi_dbm,snr_db,lost
 *     0,12.3,below,ground_roll,-71,9.5,0
 *     # ev 5300 link stale
 */

export interface TracePoint {
  /** Milliseconds since the launch's first point. */
  t_ms: number;
  ias: number;
  zone: Zone;
  phase: LaunchPhase | null;
  rssi_dbm: number | null;
  snr_db: number | null;
  /** Frames found missing just before this one. */
  lost: number;
}

export interface TraceEvent {
  t_ms: number;
  /** e.g. `link stale`, `link ok`, `identity D-1234/ASK 21`, `storage full`. */
  text: string;
}

export interface TraceHeader {
  id: string;
  source: "winch" | "aircraft";
  start: string;
  registration: string;
  type: string;
  unit: SpeedUnit;
  v_min: number;
  v_opt: number;
  v_max: number;
  verified: boolean;
}

const HEADER_PREFIX = "# owts-trace v1 ";
const EVENT_PREFIX = "# ev ";

export function headerLines(h: TraceHeader): string[] {
  return [`${HEADER_PREFIX}${JSON.stringify(h)}`, `t_ms,ias_${h.unit},zone,phase,rssi_dbm,snr_db,lost`];
}

const num = (x: number | null) => (x === null ? "" : String(x));

export function pointLine(p: TracePoint): string {
  return `${Math.round(p.t_ms)},${p.ias.toFixed(1)},${p.zone},${p.phase ?? ""},${num(p.rssi_dbm)},${num(p.snr_db)},${p.lost}`;
}

export function eventLine(e: TraceEvent): string {
  return `${EVENT_PREFIX}${Math.round(e.t_ms)} ${e.text.replace(/[\r\n]/g, " ")}`;
}

export interface ParsedTrace {
  header: TraceHeader;
  points: TracePoint[];
  events: TraceEvent[];
}

/** Why a trace file cannot be read as one; the caller sets the file aside. */
export class TraceFormatError extends Error {
  override name = "TraceFormatError";
}

const ZONES = new Set(["below", "inside", "above"]);
const PHASES = new Set<string>(LAUNCH_PHASES);

function optNumber(s: string | undefined): number | null {
  if (s === undefined || s === "") return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Parses verified trace lines (marks already removed); strict about the header, lenient about rows. */
export function parseTraceLines(lines: readonly string[]): ParsedTrace {
  const first = lines[0];
  if (!first?.startsWith(HEADER_PREFIX)) throw new TraceFormatError("no owts-trace header");
  let header: TraceHeader;
  try {
    header = JSON.parse(first.slice(HEADER_PREFIX.length)) as TraceHeader;
  } catch {
    throw new TraceFormatError("the header is not JSON");
  }
  if (
    typeof header?.id !== "string" ||
    typeof header.start !== "string" ||
    !SPEED_UNITS.includes(header.unit) ||
    ![header.v_min, header.v_opt, header.v_max].every((v) => typeof v === "number")
  ) {
    throw new TraceFormatError("the header lacks id, start, unit or band");
  }
  const points: TracePoint[] = [];
  const events: TraceEvent[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith(EVENT_PREFIX)) {
      const rest = line.slice(EVENT_PREFIX.length);
      const sp = rest.indexOf(" ");
      const t = Number(rest.slice(0, sp));
      if (sp > 0 && Number.isFinite(t)) events.push({ t_ms: t, text: rest.slice(sp + 1) });
      continue;
    }
    if (line.startsWith("#") || line.startsWith("t_ms")) continue;
    const c = line.split(",");
    const t = Number(c[0]);
    const ias = Number(c[1]);
    if (!Number.isFinite(t) || !Number.isFinite(ias) || ias < 0) {
      throw new TraceFormatError(`a row is not t_ms,ias: "${line.slice(0, 60)}"`);
    }
    const zone = ZONES.has(c[2] ?? "") ? (c[2] as Zone) : zoneFor(ias, header);
    points.push({
      t_ms: t,
      ias,
      zone,
      phase: PHASES.has(c[3] ?? "") ? (c[3] as LaunchPhase) : null,
      rssi_dbm: optNumber(c[4]),
      snr_db: optNumber(c[5]),
      lost: Math.max(0, Math.trunc(optNumber(c[6]) ?? 0)),
    });
  }
  return { header, points, events };
}

export function zoneFor(ias: number, band: Band): Zone {
  if (ias < band.v_min) return "below";
  if (ias > band.v_max) return "above";
  return "inside";
}

export interface TraceSummary {
  duration_s: number;
  flight_s: number;
  max_ias: number;
  in_band_share: number;
  time_in_band_s: number;
  time_to_vmin_s: number | null;
  released: boolean;
  release_ias: number | null;
  frames_lost: number;
  max_gap_ms: number;
  trace_points: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The summary of a trace. The launch is the part before the first point off the cable (released,
 * landing hold, landed); without any phase (an older transmitter) it is the whole trace, as before.
 * Time in band is time-weighted: each point's zone holds until the next point, at most
 * `max_interval_ms` (a gap in reception counts as time in no zone).
 */
export function summarize(points: readonly TracePoint[], band: Band, max_interval_ms = 1500): TraceSummary {
  const n = points.length;
  const releaseAt = points.findIndex((p) => isOffCable(p.phase));
  const launchEnd = releaseAt < 0 ? n : releaseAt;
  const launch = points.slice(0, Math.max(1, launchEnd));
  let counted = 0;
  let inside = 0;
  let maxGap = 0;
  let lost = 0;
  for (let i = 0; i < n; i++) {
    lost += points[i]!.lost;
    if (i > 0) maxGap = Math.max(maxGap, points[i]!.t_ms - points[i - 1]!.t_ms);
  }
  for (let i = 1; i < launch.length; i++) {
    const dt = Math.min(Math.max(0, launch[i]!.t_ms - launch[i - 1]!.t_ms), max_interval_ms);
    counted += dt;
    if (launch[i - 1]!.zone === "inside") inside += dt;
  }
  // The last point on the cable holds until the release point.
  if (releaseAt > 0) {
    const dt = Math.min(points[releaseAt]!.t_ms - points[releaseAt - 1]!.t_ms, max_interval_ms);
    counted += dt;
    if (points[releaseAt - 1]!.zone === "inside") inside += dt;
  }
  const t0 = points[0]?.t_ms ?? 0;
  const vmin = launch.find((p) => p.ias >= band.v_min);
  const endOfLaunch = releaseAt > 0 ? points[releaseAt]!.t_ms : (launch[launch.length - 1]?.t_ms ?? t0);
  const onlyInside = launch.length === 1 && launch[0]?.zone === "inside";
  return {
    duration_s: r1((endOfLaunch - t0) / 1000),
    flight_s: r1(((points[n - 1]?.t_ms ?? t0) - t0) / 1000),
    max_ias: launch.reduce((m, p) => Math.max(m, p.ias), 0),
    in_band_share: counted > 0 ? Math.round((inside / counted) * 1000) / 1000 : onlyInside ? 1 : 0,
    time_in_band_s: r1(inside / 1000),
    time_to_vmin_s: vmin ? r1((vmin.t_ms - t0) / 1000) : null,
    released: releaseAt >= 0,
    release_ias: releaseAt > 0 ? points[releaseAt - 1]!.ias : null,
    frames_lost: lost,
    max_gap_ms: Math.round(maxGap),
    trace_points: n,
  };
}
