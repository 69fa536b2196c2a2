import type { SpeedUnit } from "../core/units.js";

/** The aircraft profile (`/api/aircraft`); speeds are integers in `unit`. */
export interface AircraftProfile {
  registration: string;
  type: string;
  unit: SpeedUnit;
  v_min: number;
  v_opt: number;
  v_max: number;
  v_en: number;
}

export const DEFAULT_AIRCRAFT_PROFILE: AircraftProfile = {
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_en: 50,
};
