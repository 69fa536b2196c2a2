/** IAS on the air is an unsigned integer count of tenths of the profile's unit. */
export const MAX_TENTHS = 10_000;

/** Converts a speed in the profile's unit to on-air tenths: rounded, clamped to [0, MAX_TENTHS]. */
export function toTenths(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(MAX_TENTHS, Math.round(value * 10));
}

export function fromTenths(tenths: number): number {
  return tenths / 10;
}
