import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import { mpsTo, type SpeedUnit, toMps } from "../core/units.js";
import type { IasSample } from "../sensors/ias-source.js";
import type { AircraftProfile } from "./profile.js";

export const FLIGHT_PHASES = ["landed", "airborne", "landing_hold"] as const;
export type FlightPhase = (typeof FLIGHT_PHASES)[number];

/**
 * Tunables of the phase machine. Speeds are in the profile's unit, like the profile itself.
 *
 * - `landed → airborne` when IAS is at or above `v_en` (from the profile).
 * - `airborne → landing_hold` when IAS is below `landing_threshold` (default 0.75 · v_en).
 * - `landing_hold → airborne` when IAS reaches `v_en` again. Using v_en, not the landing
 *   threshold, makes the band between them a hysteresis: a trace hovering near either edge
 *   cannot flip back and forth.
 * - `landing_hold → landed` after `landing_hold_time_s` whole seconds in the hold.
 *
 * The decisions use the airspeed smoothed by a first-order low-pass with time constant
 * `smoothing_ms`, so white noise from the sensor averages out instead of chopping a crossing into
 * short pieces; and each crossing must then hold for `debounce_ms` before it counts, so a single
 * spike or dip (a gust, a bad reading) changes nothing. Together they delay a transition by well
 * under a second on a winch launch.
 */
export interface FlightPhaseSettings {
  /** @default `v_en` × DEFAULT_LANDING_THRESHOLD_FACTOR (0.75), rounded to 0.1 */
  landing_threshold?: number;
  /**
   * 1–600 whole seconds.
   * @default 10
   */
  landing_hold_time_s?: number;
  /**
   * 0–5000 ms.
   * @default 300
   */
  debounce_ms?: number;
  /**
   * Low-pass time constant, 0–5000 ms (0 = use raw readings).
   * @default 500
   */
  smoothing_ms?: number;
}

export interface ResolvedPhaseSettings {
  unit: SpeedUnit;
  v_en: number;
  landing_threshold: number;
  landing_hold_time_s: number;
  debounce_ms: number;
  smoothing_ms: number;
}

export const DEFAULT_LANDING_HOLD_TIME_S = 10;
export const DEFAULT_DEBOUNCE_MS = 300;
export const DEFAULT_SMOOTHING_MS = 500;
export const DEFAULT_LANDING_THRESHOLD_FACTOR = 0.75;

/** Checks the settings against the profile and fills defaults; throws SettingsError listing every problem. */
export function resolvePhaseSettings(
  profile: Pick<AircraftProfile, "unit" | "v_en">,
  s: FlightPhaseSettings = {},
): ResolvedPhaseSettings {
  const p = new ProblemList();
  const vEnOk = p.number("/v_en", profile.v_en, { min: 0, max: 1000, minExclusive: true });
  const threshold =
    s.landing_threshold ?? Math.round(profile.v_en * DEFAULT_LANDING_THRESHOLD_FACTOR * 10) / 10;
  if (p.number("/landing_threshold", threshold, { min: 0, max: 1000, minExclusive: true }) && vEnOk) {
    if (threshold >= profile.v_en) {
      p.add("/landing_threshold", `must be below v_en (${profile.v_en} ${profile.unit}), got ${threshold}`);
    }
  }
  const hold = s.landing_hold_time_s ?? DEFAULT_LANDING_HOLD_TIME_S;
  p.number("/landing_hold_time_s", hold, { min: 1, max: 600, integer: true });
  const debounce = s.debounce_ms ?? DEFAULT_DEBOUNCE_MS;
  p.number("/debounce_ms", debounce, { min: 0, max: 5000 });
  const smoothing = s.smoothing_ms ?? DEFAULT_SMOOTHING_MS;
  p.number("/smoothing_ms", smoothing, { min: 0, max: 5000 });
  p.throwIfAny("flight phase settings");
  return {
    unit: profile.unit,
    v_en: profile.v_en,
    landing_threshold: threshold,
    landing_hold_time_s: hold,
    debounce_ms: debounce,
    smoothing_ms: smoothing,
  };
}

export interface PhaseTransition {
  from: FlightPhase;
  to: FlightPhase;
  /** Sample time at which the transition was decided. */
  t_ms: number;
  /** Smoothed IAS that crossed the threshold, in the profile unit. */
  ias: number;
}

export interface PhaseState {
  phase: FlightPhase;
  /** Whole seconds spent in the current landing hold; 0 outside it. */
  landing_hold_s: number;
}

export interface PhaseUpdate extends PhaseState {
  /** The transition this sample caused, if any (at most one per sample). */
  transition: PhaseTransition | null;
}

/**
 * The flight-phase machine. Pure apart from logging: it knows time only from the samples it is fed,
 * so a virtual clock drives it in tests and a compressed simulation compresses the hold too.
 */
export class FlightPhaseMachine {
  #s: ResolvedPhaseSettings;
  #phase: FlightPhase = "landed";
  /** When the condition for leaving the current phase first became true, while it still is. */
  #pendingSince: number | undefined;
  #holdStart = 0;
  #lastT: number | undefined;
  /** Low-passed IAS in the profile unit. */
  #smoothed = 0;
  readonly #log: Logger | undefined;

  constructor(settings: ResolvedPhaseSettings, logger?: Logger) {
    this.#s = settings;
    this.#log = logger?.child({ tag: "aircraft" });
  }

  get settings(): ResolvedPhaseSettings {
    return this.#s;
  }

  /** Swap thresholds (profile or settings changed) without losing the current phase. */
  reconfigure(settings: ResolvedPhaseSettings): void {
    // The smoothed value is kept in the unit of the settings; carry it across a unit change.
    this.#smoothed = mpsTo(settings.unit, toMps(this.#s.unit, this.#smoothed));
    this.#s = settings;
    this.#pendingSince = undefined;
  }

  state(): PhaseState {
    return { phase: this.#phase, landing_hold_s: this.#holdSeconds(this.#lastT) };
  }

  /**
   * Feed one sample. Rejects (RangeError, state unchanged) a non-finite or negative airspeed and a
   * time that is not finite or runs backwards.
   */
  update(sample: IasSample): PhaseUpdate {
    const { t_ms: t, ias_mps } = sample;
    if (!Number.isFinite(t)) throw new RangeError(`flight phase: sample time ${t} is not a finite number`);
    if (this.#lastT !== undefined && t < this.#lastT) {
      throw new RangeError(`flight phase: sample time ${t} ms runs backwards (last ${this.#lastT} ms)`);
    }
    if (!Number.isFinite(ias_mps) || ias_mps < 0) {
      throw new RangeError(`flight phase: airspeed ${ias_mps} m/s is not a non-negative number`);
    }
    const raw = mpsTo(this.#s.unit, ias_mps);
    const dt = this.#lastT === undefined ? Number.POSITIVE_INFINITY : t - this.#lastT;
    // Time-based exponential smoothing, so irregular sample intervals weigh correctly.
    const alpha = this.#s.smoothing_ms > 0 ? 1 - Math.exp(-dt / this.#s.smoothing_ms) : 1;
    this.#smoothed += alpha * (raw - this.#smoothed);
    this.#lastT = t;
    const ias = this.#smoothed;
    const { v_en, landing_threshold } = this.#s;
    let to: FlightPhase | undefined;
    switch (this.#phase) {
      case "landed":
        if (this.#debounced(ias >= v_en, t)) to = "airborne";
        break;
      case "airborne":
        if (this.#debounced(ias < landing_threshold, t)) {
          // The hold counts from the first sample below the threshold, not from the end of the debounce.
          this.#holdStart = this.#pendingSince!;
          to = "landing_hold";
        }
        break;
      case "landing_hold":
        if (this.#debounced(ias >= v_en, t)) to = "airborne";
        else if (
          this.#pendingSince === undefined &&
          t - this.#holdStart >= this.#s.landing_hold_time_s * 1000
        ) {
          to = "landed";
        }
        break;
    }
    let transition: PhaseTransition | null = null;
    if (to) {
      transition = { from: this.#phase, to, t_ms: t, ias };
      this.#phase = to;
      this.#pendingSince = undefined;
      this.#log?.info(`flight phase ${transition.from} → ${to} at IAS ${ias.toFixed(1)} ${this.#s.unit}`);
    }
    return { ...this.state(), transition };
  }

  /** True once `cond` has held continuously for the debounce time. */
  #debounced(cond: boolean, t: number): boolean {
    if (!cond) {
      this.#pendingSince = undefined;
      return false;
    }
    this.#pendingSince ??= t;
    return t - this.#pendingSince >= this.#s.debounce_ms;
  }

  #holdSeconds(t: number | undefined): number {
    if (this.#phase !== "landing_hold" || t === undefined) return 0;
    return Math.floor((t - this.#holdStart) / 1000);
  }
}
