import { AIRCRAFT_SPEED_RANGE } from "../../../src/core/units.js";
import type { SpeedUnit } from "../api/types.js";
import { UNIT_LABEL } from "../format.js";
import type { FieldRules } from "./plain.js";

export const SPEED_FIELDS = ["v_en", "v_min", "v_opt", "v_max"] as const;
export type SpeedField = (typeof SPEED_FIELDS)[number];

const NAME: Record<SpeedField, string> = { v_en: "v_en", v_min: "v_min", v_opt: "v_opt", v_max: "v_max" };

/** What each aircraft field accepts, with the limits of the chosen unit. */
export function aircraftRules(unit: SpeedUnit): FieldRules {
  const r = AIRCRAFT_SPEED_RANGE[unit];
  const speed = `A whole number from ${r.min} to ${r.max} ${UNIT_LABEL[unit]}.`;
  return {
    "/registration":
      "At most 10 capital letters, digits or hyphens, not starting or ending with a hyphen (e.g. D-1234).",
    "/type": "1 to 24 characters: letters, digits, spaces and punctuation, no accents (e.g. ASK 21).",
    "/unit": "Choose km/h, kt or mph.",
    "/v_en": speed,
    "/v_min": speed,
    "/v_opt": speed,
    "/v_max": speed,
  };
}

/** The chain v_en < v_min ≤ v_opt ≤ v_max; `strict` means `<`. */
const ORDER: readonly { lo: SpeedField; hi: SpeedField; strict: boolean }[] = [
  { lo: "v_en", hi: "v_min", strict: true },
  { lo: "v_min", hi: "v_opt", strict: false },
  { lo: "v_opt", hi: "v_max", strict: false },
];

/**
 * The speed rules a club member must keep, checked on what is about to be sent: the range of the
 * unit, and the order of the band. A broken order marks both fields, each saying what it must be.
 */
export function aircraftProblems(
  unit: SpeedUnit,
  speeds: Readonly<Record<SpeedField, number>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const rules = aircraftRules(unit);
  const r = AIRCRAFT_SPEED_RANGE[unit];
  const u = UNIT_LABEL[unit];
  for (const f of SPEED_FIELDS) {
    const v = speeds[f];
    if (!Number.isInteger(v) || v < r.min || v > r.max) out[`/${f}`] = rules[`/${f}`] ?? "";
  }
  const add = (f: SpeedField, text: string) => {
    const key = `/${f}`;
    out[key] = out[key] ? `${out[key]} ${text}` : text;
  };
  for (const { lo, hi, strict } of ORDER) {
    const a = speeds[lo];
    const b = speeds[hi];
    if (strict ? a < b : a <= b) continue;
    add(lo, `Must be ${strict ? "below" : "at most"} ${NAME[hi]} (${b} ${u}).`);
    add(hi, `Must be ${strict ? "above" : "at least"} ${NAME[lo]} (${a} ${u}).`);
  }
  return out;
}
