import { type Static, Type } from "typebox";
import { AIRCRAFT_SPEED_RANGE } from "../../core/units.js";
import {
  AircraftTypeSchema,
  type FieldProblem,
  RegistrationSchema,
  SpeedUnitSchema,
  WholeSpeed,
} from "./common.js";

const profileProperties = {
  registration: RegistrationSchema,
  type: AircraftTypeSchema,
  unit: SpeedUnitSchema,
  v_min: WholeSpeed("Lower end of the target band for the winch launch, in `unit`.", 90),
  v_opt: WholeSpeed("Optimal launch speed, in `unit`.", 105),
  v_max: WholeSpeed("Upper end of the target band (never above the placarded winch speed), in `unit`.", 130),
  v_en: WholeSpeed(
    "Speed below which the glider counts as landed (landing detection), in `unit`. Must be below v_min.",
    50,
  ),
};

const RULES_TEXT =
  "Rules beyond the field types (answered as 400 validation_failed with one detail per problem): " +
  "0 < v_en < v_min <= v_opt <= v_max, and every speed within the unit's range " +
  "(kmh 20–400, kt 10–220, mph 12–250).";

/** `GET /api/aircraft` response and `PUT /api/aircraft` body (PUT replaces, so every field is required). */
export const AircraftProfile = Type.Object(profileProperties, {
  $id: "AircraftProfile",
  additionalProperties: false,
  description: `The aircraft's profile: identity and launch speed band. ${RULES_TEXT}`,
  examples: [
    { registration: "D-1234", type: "ASK 21", unit: "kmh", v_min: 90, v_opt: 105, v_max: 130, v_en: 50 },
  ],
});
export type AircraftProfile = Static<typeof AircraftProfile>;

/** `PATCH /api/aircraft` body: any non-empty subset; merged into the stored profile, then checked whole. */
export const AircraftProfilePatch = Type.Partial(Type.Object(profileProperties), {
  $id: "AircraftProfilePatch",
  additionalProperties: false,
  minProperties: 1,
  description: `Fields to change; the others keep their stored value. The merged profile must pass the rules. ${RULES_TEXT}`,
  examples: [{ v_opt: 110 }, { unit: "kt", v_min: 49, v_opt: 57, v_max: 70, v_en: 27 }],
});
export type AircraftProfilePatch = Static<typeof AircraftProfilePatch>;

// Declared in core (TypeBox-free), so the UI states the same limits without bundling the schemas.
export { AIRCRAFT_SPEED_RANGE };

const SPEED_FIELDS = ["v_en", "v_min", "v_opt", "v_max"] as const;
type SpeedField = (typeof SPEED_FIELDS)[number];

/** Ordered pairs of the chain v_en < v_min <= v_opt <= v_max; `strict` means `<`. */
const ORDER: readonly { lo: SpeedField; hi: SpeedField; strict: boolean }[] = [
  { lo: "v_en", hi: "v_min", strict: true },
  { lo: "v_min", hi: "v_opt", strict: false },
  { lo: "v_opt", hi: "v_max", strict: false },
];

/**
 * The cross-field rules JSON Schema cannot express, on a profile that already passed the schema.
 * Returns one problem per broken rule (empty = valid). `changed` (the fields a PATCH sent) decides which
 * side of a broken ordering is named: the one the client touched, so the message points at its edit.
 */
export function checkAircraftRules(profile: AircraftProfile, changed?: Iterable<string>): FieldProblem[] {
  const touched = new Set(changed ?? []);
  const problems: FieldProblem[] = [];
  const range = AIRCRAFT_SPEED_RANGE[profile.unit];
  for (const f of SPEED_FIELDS) {
    const v = profile[f];
    if (!Number.isInteger(v) || v < range.min || v > range.max)
      problems.push({
        field: `/${f}`,
        message: `${f} must be a whole number from ${range.min} to ${range.max} ${profile.unit} (got ${v})`,
      });
  }
  if (!(profile.v_en > 0))
    problems.push({ field: "/v_en", message: `v_en must be above 0 (got ${profile.v_en})` });
  for (const { lo, hi, strict } of ORDER) {
    const ok = strict ? profile[lo] < profile[hi] : profile[lo] <= profile[hi];
    if (ok) continue;
    const blameLo = touched.has(lo) && !touched.has(hi);
    const relation = strict ? "below" : "at most";
    problems.push(
      blameLo
        ? { field: `/${lo}`, message: `${lo} (${profile[lo]}) must be ${relation} ${hi} (${profile[hi]})` }
        : {
            field: `/${hi}`,
            message: `${hi} (${profile[hi]}) must be ${strict ? "above" : "at least"} ${lo} (${profile[lo]})`,
          },
    );
  }
  return problems;
}
