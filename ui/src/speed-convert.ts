import { mpsTo, type SpeedUnit, toMps } from "../../src/core/units.js";

/** Converts a speed between units, from the value as stored (never from a rounded, displayed one). */
export function convertSpeed(value: number, from: SpeedUnit, to: SpeedUnit): number {
  return from === to ? value : mpsTo(to, toMps(from, value));
}

/**
 * A speed field in a form, with where its number came from. Switching the unit converts from that
 * origin, so km/h → kt → km/h gives back exactly what was stored (90 stays 90, not 91); only a number
 * the user typed becomes a new origin.
 */
export interface SpeedOrigin {
  unit: SpeedUnit;
  value: number;
}

export function shownText(origin: SpeedOrigin, unit: SpeedUnit): string {
  return String(Math.round(convertSpeed(origin.value, origin.unit, unit)));
}

/** The field's new origin and text after a switch from `unit` to `to`, given what the field shows now. */
export function switchUnit(
  origin: SpeedOrigin | undefined,
  text: string,
  unit: SpeedUnit,
  to: SpeedUnit,
): { origin: SpeedOrigin | undefined; text: string } {
  const typed = text.trim();
  let from = origin;
  if (!from || shownText(from, unit) !== typed) {
    const n = Number(typed);
    if (typed === "" || !Number.isFinite(n)) return { origin, text };
    from = { unit, value: n };
  }
  return { origin: from, text: shownText(from, to) };
}
