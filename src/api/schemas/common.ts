import { Type } from "typebox";
import { SPEED_UNITS } from "../../core/units.js";

/*
 * Building blocks shared by the resource schemas. Nothing here carries an `$id`: only top-level
 * resource schemas do, because Fastify's validator refuses two schemas with one `$id`, and these
 * pieces are embedded in several resources.
 *
 * This folder must stay free of Node-only imports: the UI imports the same schemas and types.
 */

export type { FieldProblem } from "../../core/problems.js";

export const SpeedUnitSchema = Type.Enum(SPEED_UNITS, {
  description: "Unit of every speed in the resource: km/h, knots or mph.",
  examples: ["kmh"],
});

/** A whole speed in the profile's unit (integer). Per-unit ranges are checked by `checkAircraftRules`. */
export const WholeSpeed = (description: string, example: number) =>
  Type.Integer({ minimum: 1, maximum: 400, description, examples: [example] });

/** A non-negative event counter. */
export const Counter = (description: string, example = 0) =>
  Type.Integer({ minimum: 0, description, examples: [example] });

/** Registration: upper-case letters, digits and inner hyphens, 1–10 characters (e.g. D-1234, N123AB). */
export const REGISTRATION_PATTERN = "^[A-Z0-9](?:[A-Z0-9-]{0,8}[A-Z0-9])?$";
export const RegistrationSchema = Type.String({
  minLength: 1,
  maxLength: 10,
  pattern: REGISTRATION_PATTERN,
  description:
    "Aircraft registration or competition id: upper-case letters A–Z, digits and hyphens, 1–10 characters, " +
    "not starting or ending with a hyphen. Lower case is rejected rather than silently changed, so what " +
    "you write is exactly what you read back.",
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
