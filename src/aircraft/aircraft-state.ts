/**
 * Aircraft: the unit in the glider — flight-phase machine, state loop and transmitter, and the profile
 * (identity and band) they fly by. Consumes sensors and sends through radio/telemetry; may import
 * layers 0–1 and `src/winch` (same layer), never web, api, device or cli.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import { mpsTo, type SpeedUnit, toMps } from "../core/units.js";
import type { IasSource, SensorHealth } from "../sensors/ias-source.js";
import {
  type FlightPhase,
  FlightPhaseMachine,
  type FlightPhaseSettings,
  type PhaseTransition,
  type ResolvedPhaseSettings,
  resolvePhaseSettings,
} from "./flight-phase.js";
import {
  type LaunchPhase,
  type LaunchPhaseSettings,
  LaunchPhaseTracker,
  type ReleaseEvent,
  resolveLaunchSettings,
} from "./launch-phase.js";
import type { AircraftProfile } from "./profile.js";

/**
 * A climb-rate source beside the airspeed (a static-pressure sensor, src/aircraft/baro-climb.ts): m/s at
 * the airspeed sample's time, or null when it has none it trusts now. The state starts and closes it
 * with the airspeed source; `start` must not reject (a missing sensor is reported in `health`).
 */
export interface ClimbSource {
  climb(t_ms: number): Promise<number | null> | number | null;
  start?(): Promise<void>;
  close?(): Promise<void>;
  health?(): SensorHealth;
}

/** One accepted airspeed reading with the phase it produced; what the transmitter consumes. */
export interface AircraftSample {
  /** Source time (ms); simulated time for the sim and replay sources. */
  t_ms: number;
  ias_mps: number;
  /** IAS in the profile's unit, rounded to 0.1. */
  ias: number;
  unit: SpeedUnit;
  flight_phase: FlightPhase;
  /** Launch phase (src/aircraft/launch-phase.ts). */
  phase: LaunchPhase;
  /** Set on the sample that decided the release. */
  release: ReleaseEvent | null;
  /** Climb rate (m/s) when a static-pressure sensor gives one, else null. */
  climb_mps: number | null;
  is_landed: boolean;
  landing_hold_s: number;
}

/** The live view behind `GET /api/aircraft/live` (transmit state is added by the transmitter). */
export interface AircraftSnapshot {
  ias: number;
  unit: SpeedUnit;
  flight_phase: FlightPhase;
  phase: LaunchPhase;
  is_landed: boolean;
  landing_hold_s: number;
  sensor: SensorHealth;
  /** Climb rate (m/s, 0.1) of the last sample, null without a static-pressure sensor or a rate it trusts. */
  climb_mps: number | null;
  /** Health of the static-pressure sensor; null when the unit has none. */
  baro: SensorHealth | null;
}

export interface AircraftStateEvents {
  sample: [AircraftSample];
  phase: [PhaseTransition];
}

/** Airspeed readings per second when the options do not say. */
export const DEFAULT_SAMPLE_HZ = 20;

export interface AircraftStateOptions {
  source: IasSource;
  profile: AircraftProfile;
  /** @default {} (every phase setting at its own default; see FlightPhaseSettings) */
  phase?: FlightPhaseSettings;
  /** @default {} (see LaunchPhaseSettings) */
  launch?: LaunchPhaseSettings;
  /** @default undefined (no static-pressure sensor: release decided from the IAS alone) */
  climb?: ClimbSource;
  /**
   * Readings per second, 1–100.
   * @default DEFAULT_SAMPLE_HZ
   */
  sampleHz?: number;
  /**
   * When the source cannot start (sensor missing at boot, calibration failed), keep the device
   * running and try again this often, 100–600000 ms. 0: start() rejects instead.
   * @default 5000
   */
  retryStartMs?: number;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/** A source that can re-derive itself from a new profile (the simulator). */
interface ProfileAware {
  setProfile(profile: AircraftProfile): void;
}

function isProfileAware(s: unknown): s is ProfileAware {
  return typeof (s as Partial<ProfileAware>).setProfile === "function";
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The aircraft's runtime: polls the IAS source at a fixed rate, feeds the flight-phase machine,
 * emits `sample` for every accepted reading and `phase` for every transition, and answers
 * `snapshot()` for the API. A failed reading emits nothing; the sensor health says why.
 */
export class AircraftState extends EventEmitter<AircraftStateEvents> {
  readonly source: IasSource;
  readonly sampleHz: number;
  readonly #machine: FlightPhaseMachine;
  readonly #launch: LaunchPhaseTracker;
  readonly #launchSettings: LaunchPhaseSettings;
  readonly #climb: ClimbSource | undefined;
  readonly #log: Logger | undefined;
  #profile: AircraftProfile;
  #phaseSettings: FlightPhaseSettings;
  #last: AircraftSample | undefined;
  readonly #retryStartMs: number;
  #running = false;
  #sourceStarted = false;
  /** Why the source is not started, while start() keeps retrying. */
  #startError: { reason: string; attempts: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<unknown> | undefined;
  #nextAt = 0;
  #lastError: string | undefined;
  #readErrors = 0;

  constructor(opts: AircraftStateOptions) {
    super();
    const p = new ProblemList();
    const hz = opts.sampleHz ?? DEFAULT_SAMPLE_HZ;
    p.number("/sampleHz", hz, { min: 1, max: 100 });
    const retry = opts.retryStartMs ?? 5000;
    if (retry !== 0) p.number("/retryStartMs", retry, { min: 100, max: 600_000 });
    p.throwIfAny("aircraft state settings");
    const resolved = resolvePhaseSettings(opts.profile, opts.phase);
    this.source = opts.source;
    this.sampleHz = hz;
    this.#retryStartMs = retry;
    this.#profile = { ...opts.profile };
    this.#phaseSettings = { ...opts.phase };
    this.#log = opts.logger?.child({ tag: "aircraft" });
    this.#machine = new FlightPhaseMachine(resolved, opts.logger);
    this.#launchSettings = { ...opts.launch };
    this.#launch = new LaunchPhaseTracker(resolveLaunchSettings(opts.profile, opts.launch), opts.logger);
    this.#climb = opts.climb;
  }

  get profile(): AircraftProfile {
    return { ...this.#profile };
  }

  get phaseSettings(): ResolvedPhaseSettings {
    return { ...this.#machine.settings };
  }

  /**
   * Apply a new profile (and optionally new phase settings) without losing the flight phase.
   * Checks first: on a SettingsError nothing changes.
   */
  setProfile(profile: AircraftProfile, phase: FlightPhaseSettings = this.#phaseSettings): void {
    const resolved = resolvePhaseSettings(profile, phase);
    const launch = resolveLaunchSettings(profile, this.#launchSettings);
    // The launch in progress carries on under the new thresholds: a profile saved mid-flight never splits it.
    if (profile.unit !== this.#profile.unit)
      this.#launch.rescale(mpsTo(profile.unit, toMps(this.#profile.unit, 1)));
    this.#launch.reconfigure(launch);
    this.#profile = { ...profile };
    this.#phaseSettings = { ...phase };
    this.#machine.reconfigure(resolved);
    if (isProfileAware(this.source)) this.source.setProfile(profile);
    if (this.#last) {
      this.#last = {
        ...this.#last,
        unit: profile.unit,
        ias: round1(mpsTo(profile.unit, this.#last.ias_mps)),
      };
    }
  }

  /**
   * Starts the source, takes a first reading, then polls. If the source cannot start, either
   * rejects (`retryStartMs: 0`) or resolves and keeps retrying in the background, with the reason
   * shown as sensor health in the snapshot.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    // First, and it never rejects: without its sensor the release is decided by the IAS alone.
    await this.#climb?.start?.().catch((err: Error) => {
      this.#log?.error(`static-pressure sensor: ${err.message}`);
    });
    try {
      await this.source.start();
    } catch (err) {
      const reason = (err as Error).message;
      if (this.#retryStartMs === 0) {
        this.#running = false;
        await this.#closeClimb();
        throw err;
      }
      this.#startError = { reason, attempts: 1 };
      this.#log?.error(
        `${this.source.kind} source did not start: ${reason}; retrying every ${this.#retryStartMs / 1000} s`,
      );
      this.#timer = setTimeout(() => this.#retryStart(), this.#retryStartMs);
      this.#timer.unref();
      return;
    }
    this.#sourceStarted = true;
    // stop() may have come while the source was starting.
    if (!this.#running) {
      this.#sourceStarted = false;
      await this.source.close();
      return;
    }
    this.#beginSampling();
  }

  #beginSampling(): void {
    this.#sourceStarted = true;
    this.#startError = undefined;
    this.#nextAt = performance.now();
    this.#log?.info(`sampling ${this.source.kind} at ${this.sampleHz} Hz`);
    this.#loop();
  }

  #retryStart(): void {
    if (!this.#running) return;
    this.#inflight = this.source.start().then(
      () => {
        this.#inflight = undefined;
        this.#sourceStarted = true;
        if (!this.#running) return;
        this.#log?.info(
          `${this.source.kind} source started after ${this.#startError?.attempts ?? 1} failed attempts`,
        );
        this.#beginSampling();
      },
      (err: Error) => {
        this.#inflight = undefined;
        const prev = this.#startError;
        this.#startError = { reason: err.message, attempts: (prev?.attempts ?? 0) + 1 };
        if (err.message !== prev?.reason)
          this.#log?.error(`${this.source.kind} source did not start: ${err.message}`);
        if (!this.#running) return;
        this.#timer = setTimeout(() => this.#retryStart(), this.#retryStartMs);
        this.#timer.unref();
      },
    );
  }

  /** Stops polling (or retrying), waits for a reading in progress, closes the source. Safe to call twice. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inflight;
    // A start attempt that was in flight may have succeeded just now; close in any case once started.
    if (this.#sourceStarted) {
      this.#sourceStarted = false;
      await this.source.close();
    }
    await this.#closeClimb();
  }

  async #closeClimb(): Promise<void> {
    try {
      await this.#climb?.close?.();
    } catch (err) {
      this.#log?.warn(`static-pressure sensor did not close cleanly: ${(err as Error).message}`);
    }
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Take one reading now and process it. The poll loop calls this; tests call it directly with the
   * source on a virtual clock. Never throws: a source that throws is logged and counted.
   */
  async tick(): Promise<AircraftSample | null> {
    let reading: Awaited<ReturnType<IasSource["read"]>>;
    try {
      reading = await this.source.read();
    } catch (err) {
      this.#readErrors++;
      const msg = (err as Error).message;
      if (msg !== this.#lastError) this.#log?.error(`${this.source.kind} source threw: ${msg}`);
      this.#lastError = msg;
      return null;
    }
    if (!reading) return null;
    this.#lastError = undefined;
    let update: ReturnType<FlightPhaseMachine["update"]>;
    try {
      update = this.#machine.update(reading);
    } catch (err) {
      this.#log?.warn(`ignored a reading: ${(err as Error).message}`);
      return null;
    }
    const unit = this.#profile.unit;
    let climb: number | null = null;
    try {
      const c = this.#climb ? await this.#climb.climb(reading.t_ms) : null;
      climb = typeof c === "number" && Number.isFinite(c) ? c : null;
    } catch {
      climb = null; // the static-pressure sensor reports its own health; the IAS criterion takes over
    }
    const launch = this.#launch.update({
      t_ms: reading.t_ms,
      ias: mpsTo(unit, reading.ias_mps),
      flight_phase: update.phase,
      climb_mps: climb,
    });
    const sample: AircraftSample = {
      t_ms: reading.t_ms,
      ias_mps: reading.ias_mps,
      ias: round1(mpsTo(unit, reading.ias_mps)),
      unit,
      flight_phase: update.phase,
      phase: launch.phase,
      release: launch.release,
      climb_mps: climb,
      is_landed: update.phase === "landed",
      landing_hold_s: update.landing_hold_s,
    };
    this.#last = sample;
    if (update.transition) this.#emitSafely("phase", update.transition);
    this.#emitSafely("sample", sample);
    return sample;
  }

  snapshot(): AircraftSnapshot {
    const st = this.#machine.state();
    return {
      ias: this.#last?.ias ?? 0,
      unit: this.#profile.unit,
      flight_phase: st.phase,
      phase: this.#launch.phase,
      is_landed: st.phase === "landed",
      landing_hold_s: st.landing_hold_s,
      sensor: this.#startError
        ? {
            state: "fault",
            reason: `did not start: ${this.#startError.reason}`,
            errors: this.#startError.attempts,
            source: this.source.kind,
          }
        : this.source.health(),
      climb_mps: this.#last && this.#last.climb_mps !== null ? round1(this.#last.climb_mps) : null,
      baro: this.#climb ? (this.#climb.health?.() ?? { state: "ok", errors: 0, source: "climb" }) : null,
    };
  }

  /** Times the source itself threw (a bug or an unexpected failure), as opposed to reporting ill health. */
  get readErrors(): number {
    return this.#readErrors;
  }

  #emitSafely<K extends keyof AircraftStateEvents>(event: K, ...args: AircraftStateEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: AircraftStateEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      // A listener's bug must not stop the sampling.
      this.#log?.error(`a ${event} listener threw: ${(err as Error).message}`);
    }
  }

  #loop(): void {
    if (!this.#running) return;
    this.#inflight = this.tick().finally(() => {
      this.#inflight = undefined;
      if (!this.#running) return;
      const period = 1000 / this.sampleHz;
      const now = performance.now();
      this.#nextAt += period;
      // After a stall (slow bus, busy event loop) skip missed slots instead of bursting to catch up.
      if (this.#nextAt < now) this.#nextAt = now;
      this.#timer = setTimeout(() => this.#loop(), this.#nextAt - now);
      this.#timer.unref();
    });
  }
}
