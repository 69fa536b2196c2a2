import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import type { SensorHealth } from "./ias-source.js";
import { hashUnit } from "./noise.js";
import {
  ISA_P0_PA,
  type PressureSample,
  type PressureSource,
  pressureAtAltitude,
} from "./pressure-source.js";

/**
 * Static pressure noise of the simulated sensor (Pa RMS): ≈ 0.12 m of altitude near the ground. The
 * BMP280 alone does better (about 4 cm at ×16 with IIR 4, datasheet table 7); a cockpit's static
 * pressure also moves with vents, canopy and sideslip, so the demo flies with three times that. Note the
 * datasheet's "±0.12 hPa relative accuracy" (±1 m) is a slow offset, not this noise.
 */
export const DEFAULT_SIM_BARO_NOISE_PA = 1.5;
/** The BMP280's IIR filter at coefficient 4 reaches 75 % of a step after 5 conversions at 26.3 Hz. */
const CHIP_LAG_MS = 190;

export interface SimPressureOptions {
  /** The simulated flight's altitude (m above the field) at a simulated time: `SimIasSource.stateAt(ms).altitude_m`. */
  altitudeAt: (sim_ms: number) => number;
  /**
   * Unsigned 32-bit seed of the noise.
   * @default 1
   */
  seed?: number;
  /**
   * Gaussian noise, 0–50 Pa RMS.
   * @default DEFAULT_SIM_BARO_NOISE_PA
   */
  noisePa?: number;
  /**
   * Static pressure on the field (Pa), 30 000–110 000.
   * @default ISA_P0_PA
   */
  fieldPressurePa?: number;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/**
 * A BMP280 as the simulator would see it: the ISA pressure of the simulated flight's altitude, the
 * chip's filter lag, and seeded noise. A pure function of simulated time (the airspeed sample's time
 * is the one it is asked at), so a seed reproduces a flight's climb rate whatever the read rate.
 */
export class SimPressureSource implements PressureSource {
  readonly kind = "sim";
  readonly #altitudeAt: (ms: number) => number;
  readonly #seed: number;
  readonly #noisePa: number;
  readonly #p0: number;
  readonly #log: Logger | undefined;
  #started = false;

  constructor(opts: SimPressureOptions) {
    const p = new ProblemList();
    if (typeof opts.altitudeAt !== "function") p.add("/altitudeAt", "must be a function of simulated time");
    const seed = opts.seed ?? 1;
    p.number("/seed", seed, { min: 0, max: 0xffff_ffff, integer: true });
    const noise = opts.noisePa ?? DEFAULT_SIM_BARO_NOISE_PA;
    p.number("/noisePa", noise, { min: 0, max: 50 });
    const p0 = opts.fieldPressurePa ?? ISA_P0_PA;
    p.number("/fieldPressurePa", p0, { min: 30_000, max: 110_000 });
    p.throwIfAny("sim static-pressure settings");
    this.#altitudeAt = opts.altitudeAt;
    this.#seed = seed;
    this.#noisePa = noise;
    this.#p0 = p0;
    this.#log = opts.logger?.child({ tag: "sensor" });
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#log?.info(`sim static pressure started (noise ${this.#noisePa} Pa RMS)`);
  }

  async read(host_t_ms: number): Promise<PressureSample | null> {
    if (!this.#started) throw new Error("sim static-pressure source: call start() before read()");
    return { t_ms: host_t_ms, pressure_pa: this.pressureAt(host_t_ms) };
  }

  /** The simulated reading at `sim_ms`. Pure. */
  pressureAt(sim_ms: number): number {
    const alt = this.#altitudeAt(Math.max(0, sim_ms - CHIP_LAG_MS));
    // Box–Muller from two hashed uniforms of this millisecond: the same time gives the same noise.
    const i = Math.round(sim_ms);
    const u1 = (hashUnit(this.#seed, 0xba20, i) + 1) / 2;
    const u2 = (hashUnit(this.#seed, 0xba21, i) + 1) / 2;
    const gauss = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    return pressureAtAltitude(alt, this.#p0) + this.#noisePa * gauss;
  }

  health(): SensorHealth {
    return this.#started
      ? { state: "ok", errors: 0, source: this.kind }
      : { state: "starting", reason: "not started", errors: 0, source: this.kind };
  }

  async close(): Promise<void> {
    this.#started = false;
  }
}
