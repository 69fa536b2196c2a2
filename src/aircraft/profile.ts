import { type Static, Type } from "typebox";
import { IdentityBandSchema, REGISTRATION_PATTERN, WholeSpeed } from "../core/identity-band.js";
import { defineNamespace } from "../core/namespace-decl.js";
import type { FieldProblem } from "../core/problems.js";
import { AIRCRAFT_SPEED_RANGE } from "../core/units.js";

/*
 * The aircraft profile: the glider's identity and launch band (`/api/aircraft`, the `aircraft` settings
 * namespace), with the rules JSON Schema cannot say. The API's schemas (src/api/schemas/aircraft.ts) add
 * only `$id`s, descriptions and examples to these. Browser-safe: the UI sees it through src/api/schemas.
 */

const V_EN = WholeSpeed(
  "Speed below which the glider counts as landed (landing detection), in `unit`. Must be below v_min.",
  50,
);

/** The profile as stored and answered; speeds are integers in `unit`. */
export const AircraftProfileSchema = Type.Object(
  { ...IdentityBandSchema.properties, v_en: V_EN },
  { additionalProperties: false },
);
export type AircraftProfile = Static<typeof AircraftProfileSchema>;

/**
 * A registration as a client may write it: any case, with surrounding spaces; `normaliseProfile` trims
 * and upper-cases it before the rules run, so what is stored (and read back) always matches
 * `REGISTRATION_PATTERN`. Inside, still only letters A–Z, digits and inner hyphens, 1–10 characters.
 */
export const REGISTRATION_INPUT_PATTERN = "^ *[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])? *$";
export const RegistrationInputSchema = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: REGISTRATION_INPUT_PATTERN,
  description:
    "Aircraft registration or competition id: letters A–Z (either case), digits and hyphens, 1–10 " +
    "characters, not starting or ending with a hyphen. Surrounding spaces are trimmed and the value is " +
    "stored upper-cased, so `d-kabc` reads back as `D-KABC`.",
  examples: ["D-1234", "d-kabc"],
});

/** A full profile as a client writes it (PUT): the stored shape with a registration in any case. */
export const AircraftProfileInputSchema = Type.Object(
  { ...AircraftProfileSchema.properties, registration: RegistrationInputSchema },
  { additionalProperties: false },
);
export type AircraftProfileInput = Static<typeof AircraftProfileInputSchema>;

/** Some fields of a profile as a client writes them (PATCH); merged into the stored one. */
export const AircraftProfilePatchSchema = Type.Partial(AircraftProfileInputSchema, {
  additionalProperties: false,
  minProperties: 1,
});
export type AircraftProfilePatch = Static<typeof AircraftProfilePatchSchema>;

export const DEFAULT_AIRCRAFT_PROFILE: AircraftProfile = {
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_en: 50,
};

/** The `aircraft` settings namespace; the runtime follows it, the API writes it. */
export const AIRCRAFT_NAMESPACE = defineNamespace(
  "aircraft",
  AircraftProfileSchema,
  DEFAULT_AIRCRAFT_PROFILE,
);

/** Trimmed and upper-cased: how a registration is stored. */
export function normaliseRegistration(registration: string): string {
  return registration.trim().toUpperCase();
}

/** A written profile or patch with its registration normalised (other fields untouched). */
export function normaliseProfile<P extends { registration?: string }>(p: P): P {
  return p.registration === undefined ? p : { ...p, registration: normaliseRegistration(p.registration) };
}

// Declared in core (TypeBox-free), so the UI states the same limits without bundling the schemas.
export { AIRCRAFT_SPEED_RANGE };

/** The rules beyond the field types, in words (the API's schema descriptions quote it). */
export const AIRCRAFT_RULES_TEXT =
  "Rules beyond the field types (answered as 400 validation_failed with one detail per problem): " +
  "0 < v_en < v_min <= v_opt <= v_max, and every speed within the unit's range " +
  "(kmh 20–400, kt 10–220, mph 12–250).";

const SPEED_FIELDS = ["v_en", "v_min", "v_opt", "v_max"] as const;
type SpeedField = (typeof SPEED_FIELDS)[number];

/** Ordered pairs of the chain v_en < v_min <= v_opt <= v_max; `strict` means `<`. */
const ORDER: readonly { lo: SpeedField; hi: SpeedField; strict: boolean }[] = [
  { lo: "v_en", hi: "v_min", strict: true },
  { lo: "v_min", hi: "v_opt", strict: false },
  { lo: "v_opt", hi: "v_max", strict: false },
];

const STORED_REGISTRATION = new RegExp(REGISTRATION_PATTERN);

/**
 * The cross-field rules JSON Schema cannot express, on a profile that already passed the schema.
 * Returns one problem per broken rule (empty = valid). `changed` (the fields a PATCH sent) decides which
 * side of a broken ordering is named: the one the client touched, so the message points at its edit.
 */
export function checkAircraftRules(profile: AircraftProfile, changed?: Iterable<string>): FieldProblem[] {
  const touched = new Set(changed ?? []);
  const problems: FieldProblem[] = [];
  // Only reachable with a registration that skipped `normaliseProfile`: never store what reads back differently.
  if (!STORED_REGISTRATION.test(profile.registration))
    problems.push({
      field: "/registration",
      message: `registration must be upper-case letters, digits and inner hyphens (got ${JSON.stringify(profile.registration)})`,
    });
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
