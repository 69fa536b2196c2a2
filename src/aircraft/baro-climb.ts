import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import type { SensorHealth } from "../sensors/ias-source.js";
import { type PressureSource, pressureAltitude } from "../sensors/pressure-source.js";
import type { ClimbSource } from "./aircraft-state.js";
import { ClimbRateEstimator } from "./climb-rate.js";

export interface BaroClimbOptions {
  source: PressureSource;
  /**
   * After a failed reading, skip the sensor this long (real ms), 0–60 000: a hung bus then costs the
   * airspeed loop one read timeout per interval, not one per sample.
   * @default 500
   */
  failureBackoffMs?: number;
  /**
   * A sensor that did not start is tried again this often (real ms), 100–600 000.
   * @default 5000
   */
  retryStartMs?: number;
  /**
   * Altitude changes faster than this are a glitch, not flight, 5–200 m/s (a winch launch climbs at 8–15).
   * @default 60
   */
  maxRateMps?: number;
  /** @default `performance.now` (retries and back-off run on real time, whatever the sim's time scale) */
  now?: () => number;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/** Glitches in a row after which the new level is believed (a real step, e.g. the sensor re-plugged). */
const REJECT_LIMIT = 3;
/** A gap longer than this (source ms) restarts the variometer filter: its old rate says nothing now. */
const GAP_RESET_MS = 2000;

/**
 * Static pressure → pressure altitude (ISA) → variometer filter → climb rate, for the launch-phase
 * tracker. Its `climb()` is null whenever the rate cannot be trusted (not started, sensor failing,
 * a glitch, filter settling), and the tracker then decides by the IAS alone.
 */
export class BaroClimbSource implements ClimbSource {
  readonly source: PressureSource;
  readonly #backoffMs: number;
  readonly #retryMs: number;
  readonly #maxRate: number;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  #estimator = new ClimbRateEstimator();
  #started = false;
  #startError: { reason: string; attempts: number } | undefined;
  #starting: Promise<void> | undefined;
  #nextStartAt = 0;
  #backoffUntil = Number.NEGATIVE_INFINITY;
  #last: { t: number; alt: number } | undefined;
  #rejects = 0;
  #glitch: string | undefined;
  #closed = false;

  constructor(opts: BaroClimbOptions) {
    const p = new ProblemList();
    const backoff = opts.failureBackoffMs ?? 500;
    p.number("/failureBackoffMs", backoff, { min: 0, max: 60_000 });
    const retry = opts.retryStartMs ?? 5000;
    p.number("/retryStartMs", retry, { min: 100, max: 600_000 });
    const maxRate = opts.maxRateMps ?? 60;
    p.number("/maxRateMps", maxRate, { min: 5, max: 200 });
    p.throwIfAny("climb-rate settings");
    this.source = opts.source;
    this.#backoffMs = backoff;
    this.#retryMs = retry;
    this.#maxRate = maxRate;
    this.#now = opts.now ?? (() => performance.now());
    this.#log = opts.logger?.child({ tag: "aircraft" });
  }

  /** Starts the sensor; never rejects: a sensor that cannot start is reported in health() and retried. */
  async start(): Promise<void> {
    this.#closed = false;
    await this.#tryStart();
  }

  async #tryStart(): Promise<void> {
    try {
      await this.source.start();
      if (this.#closed) {
        await this.source.close();
        return;
      }
      if (this.#startError)
        this.#log?.info(
          `${this.source.kind} static-pressure sensor started after ${this.#startError.attempts} failed attempts`,
        );
      this.#started = true;
      this.#startError = undefined;
    } catch (err) {
      const reason = (err as Error).message;
      if (reason !== this.#startError?.reason)
        this.#log?.error(
          `${this.source.kind} static-pressure sensor did not start: ${reason}; the release is decided by the IAS alone, retrying every ${this.#retryMs / 1000} s`,
        );
      this.#startError = { reason, attempts: (this.#startError?.attempts ?? 0) + 1 };
      this.#nextStartAt = this.#now() + this.#retryMs;
    }
  }

  async climb(t_ms: number): Promise<number | null> {
    if (this.#closed) return null;
    const now = this.#now();
    if (!this.#started) {
      // In the background: the airspeed loop never waits for a missing sensor.
      if (!this.#starting && this.#startError && now >= this.#nextStartAt) {
        this.#starting = this.#tryStart().finally(() => {
          this.#starting = undefined;
        });
      }
      return null;
    }
    if (now < this.#backoffUntil) return null;
    let s: Awaited<ReturnType<PressureSource["read"]>>;
    try {
      s = await this.source.read(t_ms);
    } catch (err) {
      this.#log?.warn(`${this.source.kind} static-pressure read threw: ${(err as Error).message}`);
      s = null;
    }
    if (!s || !Number.isFinite(s.pressure_pa) || s.pressure_pa <= 0) {
      this.#backoffUntil = now + this.#backoffMs;
      return null;
    }
    const alt = pressureAltitude(s.pressure_pa);
    const last = this.#last;
    if (last && s.t_ms - last.t > GAP_RESET_MS) this.#restartFilter();
    else if (last && s.t_ms > last.t) {
      const rate = Math.abs(alt - last.alt) / ((s.t_ms - last.t) / 1000);
      // One metre of slack: at 20 Hz, noise alone can move a sample a few tenths.
      if (Math.abs(alt - last.alt) > 1 && rate > this.#maxRate) {
        if (++this.#rejects < REJECT_LIMIT) {
          this.#glitch = `altitude jumped ${(alt - last.alt).toFixed(1)} m in ${Math.round(s.t_ms - last.t)} ms; reading ignored`;
          return null;
        }
        this.#log?.warn(
          `${this.source.kind}: altitude level changed by ${(alt - last.alt).toFixed(1)} m; filter restarted`,
        );
        this.#restartFilter();
      }
    }
    this.#rejects = 0;
    this.#glitch = undefined;
    this.#last = { t: s.t_ms, alt };
    return this.#estimator.update(s.t_ms, alt);
  }

  #restartFilter(): void {
    this.#estimator = new ClimbRateEstimator();
    this.#last = undefined;
  }

  health(): SensorHealth {
    if (this.#startError)
      return {
        state: "fault",
        reason: `did not start: ${this.#startError.reason}`,
        errors: this.#startError.attempts,
        source: this.source.kind,
      };
    const h = this.source.health();
    if (h.state === "ok" && this.#glitch)
      return { state: "fault", reason: this.#glitch, errors: this.#rejects, source: h.source };
    return h;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting;
    if (this.#started) {
      this.#started = false;
      await this.source.close();
    }
    this.#restartFilter();
  }
}
