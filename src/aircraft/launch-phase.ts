import { LAUNCH_PHASES, type LaunchPhase } from "../core/launch-phase.js";
import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import type { FlightPhase } from "./flight-phase.js";
import type { AircraftProfile } from "./profile.js";

export { LAUNCH_PHASES, type LaunchPhase };

/**
 * Tunables of the launch-phase tracker. Speeds are in the profile's unit.
 *
 * The tracker refines the flight phase (landed / airborne / landing hold, src/aircraft/flight-phase.ts)
 * into what the winch driver needs: `ground_roll` (landed, but rolling: smoothed IAS at or above
 * `roll_threshold`), `launch` (airborne on the cable), `released` (airborne, off the cable),
 * `landing_hold` and `landed` (as the flight phase).
 *
 * **Release criterion (IAS only).** A winch climb holds the IAS near the band (the driver works to
 * keep it there); at release the pilot pushes over to circuit speed, which is below the climb speed,
 * and the IAS never returns to the climb level without a cable. So, from `min_launch_ms` after the
 * launch began: the *climb reference* is the highest value of the IAS smoothed over 4 s; the launch is
 * over when the IAS smoothed over 1 s has stayed more than `release_drop` below that reference for
 * `release_hold_ms`. The release time reported is the first sample of that hold (the push-over), so
 * the record marks it where it happened, while the phase on air changes when it is decided.
 *
 * **With a climb rate** (a static-pressure sensor on the bus): the launch is over when the climb rate,
 * having exceeded `climb_on_cable_mps`, has stayed below `climb_released_mps` for `release_hold_ms`
 * — a winch launch climbs at 8–15 m/s, free flight sinks or climbs slowly. While a climb
 * rate is there it decides alone (a winch driver letting the speed sag mid-climb looks like a push-over
 * in the IAS, never in the climb rate); the IAS criterion is the fallback without the sensor, or when it
 * fails mid-launch.
 *
 * The climb rate comes from `--baro bmp280|sim` (src/aircraft/baro-climb.ts: static pressure → ISA
 * pressure altitude → variometer filter); null whenever that sensor is missing, failing or settling.
 *
 * Measured by `bench/release-detection.ts --launches 40` (docs/PERFORMANCE.md), decided after the true
 * release: IAS criterion p50 3.1 s / p95 3.75 s, 0 missed, 0 early on the simulator, but 10 of 40 early
 * when the speed sags 15 km/h mid-climb; with the simulated BMP280's climb rate p50 1.9 s / p95 2.15 s,
 * 0 missed, 0 early in every variant (IAS noise and loss, static-pressure noise 0.04–0.5 m RMS, the sag,
 * the replayed fixture), and the IAS figures again when the sensor is lost before release.
 */
export interface LaunchPhaseSettings {
  /** @default 0.4 × v_en */
  roll_threshold?: number;
  /**
   * Ground roll abandoned (back to landed) after this long below the roll threshold, 1000–60 000 ms.
   * @default 8000
   */
  roll_abort_ms?: number;
  /** @default max(0.6 × (v_opt − v_min), 0.05 × v_opt) */
  release_drop?: number;
  /**
   * How long the release condition must hold, 200–10 000 ms.
   * @default 1000
   */
  release_hold_ms?: number;
  /**
   * No release is decided in the first part of the launch (rotation), 0–60 000 ms.
   * @default 8000
   */
  min_launch_ms?: number;
  /** @default 3 m/s */
  climb_on_cable_mps?: number;
  /** @default 1 m/s */
  climb_released_mps?: number;
}

export interface ResolvedLaunchSettings {
  roll_threshold: number;
  roll_abort_ms: number;
  release_drop: number;
  release_hold_ms: number;
  min_launch_ms: number;
  climb_on_cable_mps: number;
  climb_released_mps: number;
}

const FAST_TAU_MS = 1000;
const SLOW_TAU_MS = 4000;
/** Debounce of the ground-roll start: one gusty reading does not start a launch. */
const ROLL_DEBOUNCE_MS = 300;

/** Fills defaults from the profile and checks; throws SettingsError listing every problem. */
export function resolveLaunchSettings(
  profile: Pick<AircraftProfile, "v_en" | "v_min" | "v_opt">,
  s: LaunchPhaseSettings = {},
): ResolvedLaunchSettings {
  const p = new ProblemList();
  const r: ResolvedLaunchSettings = {
    roll_threshold: s.roll_threshold ?? Math.round(profile.v_en * 4) / 10,
    roll_abort_ms: s.roll_abort_ms ?? 8000,
    release_drop:
      s.release_drop ??
      Math.round(Math.max(0.6 * (profile.v_opt - profile.v_min), 0.05 * profile.v_opt) * 10) / 10,
    release_hold_ms: s.release_hold_ms ?? 1000,
    min_launch_ms: s.min_launch_ms ?? 8000,
    climb_on_cable_mps: s.climb_on_cable_mps ?? 3,
    climb_released_mps: s.climb_released_mps ?? 1,
  };
  if (p.number("/roll_threshold", r.roll_threshold, { min: 0, max: 1000, minExclusive: true })) {
    if (r.roll_threshold >= profile.v_en) p.add("/roll_threshold", `must be below v_en (${profile.v_en})`);
  }
  p.number("/roll_abort_ms", r.roll_abort_ms, { min: 1000, max: 60_000 });
  p.number("/release_drop", r.release_drop, { min: 0, max: 1000, minExclusive: true });
  p.number("/release_hold_ms", r.release_hold_ms, { min: 200, max: 10_000 });
  p.number("/min_launch_ms", r.min_launch_ms, { min: 0, max: 60_000 });
  if (p.number("/climb_on_cable_mps", r.climb_on_cable_mps, { min: 0, max: 50, minExclusive: true })) {
    p.number("/climb_released_mps", r.climb_released_mps, { min: -50, max: r.climb_on_cable_mps });
  }
  p.throwIfAny("launch phase settings");
  return r;
}

/** One input of the tracker: a sample already through the flight-phase machine. */
export interface LaunchInput {
  t_ms: number;
  /** IAS in the profile's unit (raw; the tracker smooths). */
  ias: number;
  flight_phase: FlightPhase;
  /** Climb rate in m/s from a static-pressure sensor, or null/absent without one. */
  climb_mps?: number | null;
}

export interface ReleaseEvent {
  /** When the release happened (the start of the hold that decided it). */
  t_ms: number;
  /** When it was decided. */
  decided_t_ms: number;
  /** IAS (1 s smoothed) at the release time. */
  ias: number;
  by: "ias" | "climb";
}

export interface LaunchUpdate {
  phase: LaunchPhase;
  /** The phase before this sample, when it changed. */
  from: LaunchPhase | null;
  /** Set on the sample that decided the release. */
  release: ReleaseEvent | null;
}

/**
 * The launch-phase tracker. Pure: it knows time only from its inputs, so tests and the bench drive it
 * with recorded or simulated traces at any speed.
 */
export class LaunchPhaseTracker {
  #s: ResolvedLaunchSettings;
  #phase: LaunchPhase = "landed";
  #lastT: number | undefined;
  #fast = 0;
  #slow = 0;
  #iasAtPending = 0;
  #launchStart = 0;
  #peak = 0;
  #pendingSince: number | undefined;
  #climbPending: number | undefined;
  #sawClimb = false;
  #belowRollSince: number | undefined;
  #rollPending: number | undefined;
  readonly #log: Logger | undefined;

  constructor(settings: ResolvedLaunchSettings, logger?: Logger) {
    this.#s = settings;
    this.#log = logger?.child({ tag: "aircraft" });
  }

  get phase(): LaunchPhase {
    return this.#phase;
  }

  get settings(): ResolvedLaunchSettings {
    return this.#s;
  }

  /** New thresholds (profile saved mid-flight) without losing the phase: a launch is not split. */
  reconfigure(settings: ResolvedLaunchSettings): void {
    this.#s = settings;
  }

  /** Rescales the smoothed speeds after a unit change (`factor` = new unit per old unit). */
  rescale(factor: number): void {
    this.#fast *= factor;
    this.#slow *= factor;
    this.#peak *= factor;
  }

  update(x: LaunchInput): LaunchUpdate {
    const dt = this.#lastT === undefined ? Number.POSITIVE_INFINITY : Math.max(0, x.t_ms - this.#lastT);
    this.#lastT = x.t_ms;
    this.#fast += (1 - Math.exp(-dt / FAST_TAU_MS)) * (x.ias - this.#fast);
    this.#slow += (1 - Math.exp(-dt / SLOW_TAU_MS)) * (x.ias - this.#slow);
    const before = this.#phase;
    let release: ReleaseEvent | null = null;
    const next = this.#next(x, (r) => {
      release = r;
    });
    if (next !== before) {
      this.#enter(next, x.t_ms);
      this.#log?.info(`launch phase ${before} → ${next} at IAS ${this.#fast.toFixed(1)}`);
    }
    return { phase: this.#phase, from: next !== before ? before : null, release };
  }

  #next(x: LaunchInput, released: (r: ReleaseEvent) => void): LaunchPhase {
    const f = x.flight_phase;
    if (f === "landed") {
      if (this.#phase === "ground_roll") {
        if (this.#fast >= this.#s.roll_threshold) this.#belowRollSince = undefined;
        else this.#belowRollSince ??= x.t_ms;
        return this.#belowRollSince !== undefined && x.t_ms - this.#belowRollSince >= this.#s.roll_abort_ms
          ? "landed"
          : "ground_roll";
      }
      if (this.#phase !== "landed") return "landed";
      if (this.#fast < this.#s.roll_threshold) {
        this.#rollPending = undefined;
        return "landed";
      }
      this.#rollPending ??= x.t_ms;
      return x.t_ms - this.#rollPending >= ROLL_DEBOUNCE_MS ? "ground_roll" : "landed";
    }
    if (f === "landing_hold") return "landing_hold";
    // Airborne.
    if (this.#phase === "landed" || this.#phase === "ground_roll") return "launch";
    if (this.#phase === "landing_hold") return "released"; // up again after a hold: never back on a cable
    if (this.#phase === "released") return "released";
    // On the cable: is it over?
    const t = x.t_ms;
    if (t - this.#launchStart < this.#s.min_launch_ms) {
      this.#peak = Math.max(this.#peak, this.#slow);
      return "launch";
    }
    this.#peak = Math.max(this.#peak, this.#slow);
    if (this.#fast < this.#peak - this.#s.release_drop) {
      if (this.#pendingSince === undefined) {
        this.#pendingSince = t;
        this.#iasAtPending = this.#fast;
      }
    } else this.#pendingSince = undefined;
    const climb = x.climb_mps;
    if (typeof climb === "number" && Number.isFinite(climb)) {
      if (climb > this.#s.climb_on_cable_mps) this.#sawClimb = true;
      if (this.#sawClimb && climb < this.#s.climb_released_mps) this.#climbPending ??= t;
      else this.#climbPending = undefined;
    } else this.#climbPending = undefined;
    const hold = this.#s.release_hold_ms;
    if (this.#climbPending !== undefined && t - this.#climbPending >= hold) {
      released({ t_ms: this.#climbPending, decided_t_ms: t, ias: this.#fast, by: "climb" });
      return "released";
    }
    // A climb rate, while there is one, decides alone: a winch driver letting the speed sag mid-climb
    // looks like a push-over in the IAS, never in the climb rate.
    const haveClimb = typeof climb === "number" && Number.isFinite(climb);
    if (!haveClimb && this.#pendingSince !== undefined && t - this.#pendingSince >= hold) {
      released({ t_ms: this.#pendingSince, decided_t_ms: t, ias: this.#iasAtPending, by: "ias" });
      return "released";
    }
    return "launch";
  }

  #enter(phase: LaunchPhase, t: number): void {
    this.#phase = phase;
    this.#pendingSince = undefined;
    this.#climbPending = undefined;
    this.#belowRollSince = undefined;
    this.#rollPending = undefined;
    if (phase === "launch") {
      this.#launchStart = t;
      this.#peak = this.#slow;
      this.#sawClimb = false;
    }
  }
}
