import type { AircraftSnapshot } from "../aircraft/aircraft-state.js";
import type { FlightPhase } from "../aircraft/flight-phase.js";
import type { TransmitStatus } from "../aircraft/transmitter.js";
import type { Clock } from "../core/clock.js";
import { isOffCable } from "../core/launch-phase.js";
import type { SpeedUnit } from "../core/units.js";
import type { Band, WinchSnapshot, Zone } from "../winch/receiver.js";

/**
 * What a display shows, computed from the same snapshots the API serves. Every display (OLED,
 * strip, console) draws one of these; none of them looks at the receiver or the aircraft itself.
 *
 * The invariant the types carry: only `link: "ok"` has an `ias`. A stale link carries `last_ias`,
 * which displays draw small and marked as old; a lost link carries no speed at all.
 */
export type DisplayContent = StartContent | WinchContent | AircraftContent;

/** The board's "About" page: where to point a phone and which certificate to expect. */
export interface StartContent {
  kind: "start";
  hostname: string;
  /** The address the device serves on, or null when it has none yet. */
  address: string | null;
  /** The first groups of the certificate's SHA-256 fingerprint (see `fingerprintHead`). */
  fingerprint: string;
}

export type WinchContent = WinchLive | WinchStale | WinchHeld | WinchNoSignal;

export interface WinchLive {
  kind: "winch";
  link: "ok";
  ias: number;
  unit: SpeedUnit;
  zone: Zone;
  band: Band;
  registration: string;
  rssi_dbm: number | null;
  /** True for a short moment after each received frame (the RX activity mark). */
  rx: boolean;
}

export interface WinchStale {
  kind: "winch";
  link: "stale";
  registration: string;
  /**
   * The last IAS received, drawn only small, struck through and labelled "LAST" (as the web UI does):
   * it is history, never the current airspeed. Named apart from `ias` so no display draws it big.
   */
  last_ias: number;
  unit: SpeedUnit;
  /** Whole seconds since the last frame arrived. */
  age_s: number;
}

/**
 * Frames arrive, but their speed is not a launch figure: the glider is off the cable (`released`, the
 * driver's part is over), or this winch has no pairing and cannot tell the frames from forged ones
 * (`unverified`). Like the web monitor, no zone, no band and no big digits.
 */
export interface WinchHeld {
  kind: "winch";
  link: "held";
  reason: "released" | "unverified";
  registration: string;
  /** Drawn small and labelled: a heard figure, never the airspeed to launch by. */
  heard_ias: number;
  unit: SpeedUnit;
}

export interface WinchNoSignal {
  kind: "winch";
  link: "no_signal";
  /** Shown small so a driver can still reach the unit's page. */
  hostname: string;
  address: string | null;
}

export interface AircraftContent {
  kind: "aircraft";
  phase: FlightPhase;
  /** IAS in `unit`; null while the sensor is not delivering (then `sensor` says why). */
  ias: number | null;
  unit: SpeedUnit;
  /** "ok", or a short reason the sensor gives no current reading. */
  sensor: string;
  tx: TransmitStatus["state"] | "off";
  landing_hold_s: number;
  /** Seconds the hold lasts before "landed", when known. */
  landing_hold_total_s: number | null;
}

/** "AB:CD:EF:…" → its first `groups` groups (default 6: fits one 128-pixel line). */
export function fingerprintHead(fingerprint: string, groups = 6): string {
  return fingerprint.split(":").slice(0, groups).join(":");
}

export interface WinchContentOptions {
  receiver: { snapshot(): WinchSnapshot };
  hostname: string;
  address: () => string | null;
  clock: Clock;
  /** How long the RX mark stays on after a frame, ms. @default 250 */
  rxMarkMs?: number;
}

/** Builds the winch's content from its receiver snapshot; keeps only the RX-mark timing itself. */
export function winchContentSource(opts: WinchContentOptions): () => WinchContent {
  const rxMarkMs = opts.rxMarkMs ?? 250;
  let lastReceived = -1;
  let markUntil = Number.NEGATIVE_INFINITY;
  return () => {
    const snap = opts.receiver.snapshot();
    const t = snap.telemetry;
    if (snap.link === "no_signal" || !t) {
      lastReceived = -1;
      return { kind: "winch", link: "no_signal", hostname: opts.hostname, address: opts.address() };
    }
    if (snap.link === "stale")
      return {
        kind: "winch",
        link: "stale",
        registration: t.registration,
        last_ias: t.ias,
        unit: t.unit,
        age_s: Math.floor(t.age_ms / 1000),
      };
    const now = opts.clock.now();
    const held = isOffCable(t.phase) ? "released" : t.verified === false ? "unverified" : null;
    if (held)
      return {
        kind: "winch",
        link: "held",
        reason: held,
        registration: t.registration,
        heard_ias: t.ias,
        unit: t.unit,
      };
    if (t.received !== lastReceived) {
      lastReceived = t.received;
      markUntil = now + rxMarkMs;
    }
    return {
      kind: "winch",
      link: "ok",
      ias: t.ias,
      unit: t.unit,
      zone: t.zone,
      band: { v_min: t.v_min, v_opt: t.v_opt, v_max: t.v_max },
      registration: t.registration,
      rssi_dbm: t.rssi_dbm,
      rx: now < markUntil,
    };
  };
}

export interface AircraftContentOptions {
  aircraft: { snapshot(): AircraftSnapshot; phaseSettings?: { landing_hold_time_s: number } };
  /** The transmitter, when one runs. */
  transmitter?: { status(): TransmitStatus };
}

export function aircraftContentSource(opts: AircraftContentOptions): () => AircraftContent {
  return () => {
    const s = opts.aircraft.snapshot();
    const sensorOk = s.sensor.state === "ok";
    return {
      kind: "aircraft",
      phase: s.flight_phase,
      ias: sensorOk ? s.ias : null,
      unit: s.unit,
      sensor: sensorOk ? "ok" : s.sensor.state === "starting" ? "starting" : s.sensor.state,
      tx: opts.transmitter?.status().state ?? "off",
      landing_hold_s: s.landing_hold_s,
      landing_hold_total_s: opts.aircraft.phaseSettings?.landing_hold_time_s ?? null,
    };
  };
}

/** Shows `start` for `durationMs` after the first call, then `live`. */
export function withStartScreen(
  start: StartContent,
  durationMs: number,
  live: () => DisplayContent,
  clock: Clock,
): () => DisplayContent {
  let until: number | undefined;
  return () => {
    const now = clock.now();
    until ??= now + durationMs;
    return now < until ? start : live();
  };
}

/** Text for each unit as the displays print it. */
export const UNIT_LABEL: Record<SpeedUnit, string> = { kmh: "km/h", kt: "kt", mph: "mph" };

export const PHASE_LABEL: Record<FlightPhase, string> = {
  landed: "LANDED",
  airborne: "AIRBORNE",
  landing_hold: "LANDING HOLD",
};

/** The same words as the web UI's winch monitor. */
export const ZONE_LABEL: Record<Zone, string> = { below: "TOO SLOW", inside: "IN BAND", above: "TOO FAST" };

export const TX_LABEL: Record<AircraftContent["tx"], string> = {
  sending: "TX SENDING",
  idle: "TX IDLE",
  duty_blocked: "TX DUTY LIMIT",
  fault: "TX FAULT",
  off: "TX OFF",
};

/** A stable key: two contents with the same key look the same on every display. */
export function contentKey(c: DisplayContent): string {
  return JSON.stringify(c);
}
