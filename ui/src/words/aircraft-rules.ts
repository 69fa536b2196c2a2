import { AIRCRAFT_SPEED_RANGE } from "../../../src/core/units.js";
import type { SpeedUnit } from "../api/types.js";
import { UNIT_LABEL } from "../format.js";
import { type MessageKey, t } from "../i18n/translate.js";
import type { FieldRules } from "./plain.js";

export const SPEED_FIELDS = ["v_en", "v_min", "v_opt", "v_max"] as const;
export type SpeedField = (typeof SPEED_FIELDS)[number];

/** What each aircraft field accepts, with the limits of the chosen unit. */
export function aircraftRules(unit: SpeedUnit): FieldRules {
  const r = AIRCRAFT_SPEED_RANGE[unit];
  const speed = t("rule.speed_range", { min: r.min, max: r.max, unit: UNIT_LABEL[unit] });
  return {
    "/registration": t("rule.registration"),
    "/type": t("rule.type"),
    "/unit": t("rule.unit"),
    "/v_en": speed,
    "/v_min": speed,
    "/v_opt": speed,
    "/v_max": speed,
  };
}

/**
 * The chain v_en < v_min ≤ v_opt ≤ v_max, with what each end of a broken link must be: below / above
 * for the strict `<`, at most / at least for `≤`. The field names (v_min …) are the same in every language.
 */
const STRICT = { lo: "rule.must_be_below", hi: "rule.must_be_above" } as const;
const LOOSE = { lo: "rule.must_be_at_most", hi: "rule.must_be_at_least" } as const;
const ORDER: readonly {
  lo: SpeedField;
  hi: SpeedField;
  strict: boolean;
  must: { lo: MessageKey; hi: MessageKey };
}[] = [
  { lo: "v_en", hi: "v_min", strict: true, must: STRICT },
  { lo: "v_min", hi: "v_opt", strict: false, must: LOOSE },
  { lo: "v_opt", hi: "v_max", strict: false, must: LOOSE },
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
  for (const { lo, hi, strict, must } of ORDER) {
    const a = speeds[lo];
    const b = speeds[hi];
    if (strict ? a < b : a <= b) continue;
    add(lo, t(must.lo, { field: hi, value: b, unit: u }));
    add(hi, t(must.hi, { field: lo, value: a, unit: u }));
  }
  return out;
}
