import { type Static, Type } from "typebox";
import { SPEED_UNITS } from "./units.js";

/*
 * The identity and target band of a glider, `{registration, type, unit, v_min, v_opt, v_max}`: what the
 * aircraft profile holds, what a full frame carries, what the winch shows and what a launch record keeps.
 * Declared once here, at the bottom, because telemetry (below aircraft and winch) needs it too; every
 * other shape composes these properties. Browser-safe (the UI sees it through src/api/schemas).
 */

export const SpeedUnitSchema = Type.Enum(SPEED_UNITS, {
  description: "Unit of every speed in the resource: km/h, knots or mph.",
  examples: ["kmh"],
});

/** A whole speed in the profile's unit (integer). Per-unit ranges are checked by `checkAircraftRules`. */
export const WholeSpeed = (description: string, example: number) =>
  Type.Integer({ minimum: 1, maximum: 400, description, examples: [example] });

/** Registration as stored and shown: upper-case letters, digits and inner hyphens, 1–10 characters. */
export const REGISTRATION_PATTERN = "^[A-Z0-9](?:[A-Z0-9-]{0,8}[A-Z0-9])?$";
export const RegistrationSchema = Type.String({
  minLength: 1,
  maxLength: 10,
  pattern: REGISTRATION_PATTERN,
  description:
    "Aircraft registration or competition id: upper-case letters A–Z, digits and hyphens, 1–10 characters, " +
    "not starting or ending with a hyphen (e.g. D-1234, N123AB).",
  examples: ["D-1234"],
});

/** Aircraft type: printable ASCII, 1–24 characters, no leading or trailing space. */
export const AIRCRAFT_TYPE_PATTERN = "^[\\x21-\\x7E](?:[\\x20-\\x7E]{0,22}[\\x21-\\x7E])?$";
export const AircraftTypeSchema = Type.String({
  minLength: 1,
  maxLength: 24,
  pattern: AIRCRAFT_TYPE_PATTERN,
  description:
    "Aircraft type as shown to the winch driver: printable ASCII, 1–24 characters, no leading or trailing space.",
  examples: ["ASK 21"],
});

/** Identity and band; compose with `...IdentityBandSchema.properties`. */
export const IdentityBandSchema = Type.Object(
  {
    registration: RegistrationSchema,
    type: AircraftTypeSchema,
    unit: SpeedUnitSchema,
    v_min: WholeSpeed("Lower end of the target band for the winch launch, in `unit`.", 90),
    v_opt: WholeSpeed("Optimal launch speed, in `unit`.", 105),
    v_max: WholeSpeed(
      "Upper end of the target band (never above the placarded winch speed), in `unit`.",
      130,
    ),
  },
  { additionalProperties: false },
);
export type IdentityBand = Static<typeof IdentityBandSchema>;
/** The band alone (whole units of the identity's `unit`). */
export type Band = Pick<IdentityBand, "v_min" | "v_opt" | "v_max">;
