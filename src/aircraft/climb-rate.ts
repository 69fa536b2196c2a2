/**
 * Climb rate (m/s) from pressure altitude: the altitude is low-passed (time constant `altitude_tau_ms`)
 * and its derivative low-passed again (`rate_tau_ms`), the usual variometer filter. A BMP280-class
 * sensor's altitude noise of ~0.1–0.2 m RMS then gives a rate within a few tenths of a m/s, ample to
 * tell a 10 m/s winch climb from free flight. Pure: times come from the samples.
 */
export class ClimbRateEstimator {
  readonly #altTau: number;
  readonly #rateTau: number;
  #alt: number | undefined;
  #rate = 0;
  #lastT = 0;
  #samples = 0;

  /**
   * @param altitude_tau_ms @default 500
   * @param rate_tau_ms @default 800
   */
  constructor(altitude_tau_ms = 500, rate_tau_ms = 800) {
    if (!(altitude_tau_ms > 0 && rate_tau_ms > 0))
      throw new RangeError("climb-rate time constants must be > 0");
    this.#altTau = altitude_tau_ms;
    this.#rateTau = rate_tau_ms;
  }

  /** Feeds one altitude (m) at `t_ms`; returns the climb rate, or null until it has settled (2 s). */
  update(t_ms: number, altitude_m: number): number | null {
    if (!Number.isFinite(altitude_m) || !Number.isFinite(t_ms)) return this.rate();
    if (this.#alt === undefined) {
      this.#alt = altitude_m;
      this.#lastT = t_ms;
      this.#samples = 1;
      return null;
    }
    const dt = t_ms - this.#lastT;
    if (dt <= 0) return this.rate();
    this.#lastT = t_ms;
    const prev = this.#alt;
    this.#alt += (1 - Math.exp(-dt / this.#altTau)) * (altitude_m - this.#alt);
    const raw = ((this.#alt - prev) * 1000) / dt;
    this.#rate += (1 - Math.exp(-dt / this.#rateTau)) * (raw - this.#rate);
    this.#samples++;
    return this.rate();
  }

  rate(): number | null {
    return this.#samples >= 2 && this.#settled() ? this.#rate : null;
  }

  #settled(): boolean {
    return this.#samples > 10;
  }
}
