import { type Static, Type } from "typebox";
import {
  AIRCRAFT_RULES_TEXT,
  AircraftProfileInputSchema,
  AircraftProfilePatchSchema,
  AircraftProfileSchema,
} from "../../aircraft/profile.js";

/*
 * The aircraft profile's own schemas (src/aircraft/profile.ts) are the single source of the field set, the
 * registration's normalisation and the rules; the API versions below only add `$id`s, descriptions and
 * examples.
 */

export {
  AIRCRAFT_SPEED_RANGE,
  checkAircraftRules,
  normaliseProfile,
  normaliseRegistration,
  REGISTRATION_INPUT_PATTERN,
} from "../../aircraft/profile.js";

const EXAMPLE = {
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_en: 50,
};

/** `GET /api/aircraft` response (and that of PUT and PATCH): the profile as stored. */
export const AircraftProfile = Type.Object(AircraftProfileSchema.properties, {
  $id: "AircraftProfile",
  additionalProperties: false,
  description: `The aircraft's profile: identity and launch speed band. ${AIRCRAFT_RULES_TEXT}`,
  examples: [EXAMPLE],
});
export type AircraftProfile = Static<typeof AircraftProfile>;

/** `PUT /api/aircraft` body (PUT replaces, so every field is required). */
export const AircraftProfileInput = Type.Object(AircraftProfileInputSchema.properties, {
  $id: "AircraftProfileInput",
  additionalProperties: false,
  description:
    "A whole aircraft profile to store. The registration may be written in any case with surrounding " +
    `spaces: it is trimmed and stored upper-cased. ${AIRCRAFT_RULES_TEXT}`,
  examples: [EXAMPLE, { ...EXAMPLE, registration: "d-kabc" }],
});
export type AircraftProfileInput = Static<typeof AircraftProfileInput>;

/** `PATCH /api/aircraft` body: any non-empty subset; merged into the stored profile, then checked whole. */
export const AircraftProfilePatch = Type.Object(AircraftProfilePatchSchema.properties, {
  $id: "AircraftProfilePatch",
  additionalProperties: false,
  minProperties: 1,
  description:
    "Fields to change; the others keep their stored value. The registration is trimmed and stored " +
    `upper-cased. The merged profile must pass the rules. ${AIRCRAFT_RULES_TEXT}`,
  examples: [
    { v_opt: 110 },
    { registration: "d-kabc" },
    { unit: "kt", v_min: 49, v_opt: 57, v_max: 70, v_en: 27 },
  ],
});
export type AircraftProfilePatch = Static<typeof AircraftProfilePatch>;
