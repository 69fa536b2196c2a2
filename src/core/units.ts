/** Speed units a profile may use; speeds in a profile are integers in this unit. */
export const SPEED_UNITS = ["kmh", "kt", "mph"] as const;
export type SpeedUnit = (typeof SPEED_UNITS)[number];

const MPS_PER_UNIT: Record<SpeedUnit, number> = {
  kmh: 1000 / 3600,
  kt: 1852 / 3600,
  mph: 1609.344 / 3600,
};

export function mpsTo(unit: SpeedUnit, mps: number): number {
  return mps / MPS_PER_UNIT[unit];
}

export function toMps(unit: SpeedUnit, value: number): number {
  return value * MPS_PER_UNIT[unit];
}

/** Sane speed range per unit (inclusive), applied to every speed of an aircraft profile. */
export const AIRCRAFT_SPEED_RANGE: Readonly<Record<SpeedUnit, { min: number; max: number }>> = {
  kmh: { min: 20, max: 400 },
  kt: { min: 10, max: 220 },
  mph: { min: 12, max: 250 },
};
