/**
 * The static-pressure seam: anything that yields the air's static pressure (a BMP280 on the I2C bus,
 * the simulator's flight turned into pressure). The aircraft turns it into pressure altitude and a
 * climb rate (src/aircraft/baro-climb.ts); the launch-phase tracker uses the climb rate to tell the
 * cable climb from free flight.
 */
import type { SensorHealth } from "./ias-source.js";

/** One static-pressure reading. */
export interface PressureSample {
  /** Milliseconds on the source's own clock (simulated time for the simulator). */
  t_ms: number;
  pressure_pa: number;
  /** The sensor's die temperature when it has one. */
  temperature_c?: number;
}

export interface PressureSource {
  readonly kind: string;
  /** Prepare (chip id, calibration words, configuration). Rejects with a clear error if it cannot. */
  start(): Promise<void>;
  /**
   * Take one reading. `host_t_ms` is the airspeed sample's time, which the simulator flies by; a real
   * chip stamps its own clock. Never throws for a transient fault: it says why in `health()` and
   * returns null.
   */
  read(host_t_ms: number): Promise<PressureSample | null>;
  health(): SensorHealth;
  close(): Promise<void>;
}

/** ISA sea-level pressure (Pa), the reference of pressure altitude (QNE). */
export const ISA_P0_PA = 101_325;
/** ISA sea-level temperature over the troposphere's lapse rate, T0 / L (m). */
const ISA_T0_OVER_L = 288.15 / 0.0065;
/** R·L / (g·M) of the ISA troposphere. */
const ISA_EXPONENT = (8.314_462_618 * 0.0065) / (9.806_65 * 0.028_964_4);

/**
 * Pressure altitude (m) by the ISA barometric formula, h = T0/L · (1 − (p/p0)^(R·L/(g·M))). Only its
 * changes matter here (a climb rate), so the reference `p0_pa` need not be the day's QNH.
 */
export function pressureAltitude(pressure_pa: number, p0_pa = ISA_P0_PA): number {
  return ISA_T0_OVER_L * (1 - (pressure_pa / p0_pa) ** ISA_EXPONENT);
}

/** The inverse of pressureAltitude: the ISA static pressure (Pa) at `altitude_m`. */
export function pressureAtAltitude(altitude_m: number, p0_pa = ISA_P0_PA): number {
  return p0_pa * (1 - altitude_m / ISA_T0_OVER_L) ** (1 / ISA_EXPONENT);
}
