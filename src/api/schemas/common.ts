import { Type } from "typebox";

/*
 * Building blocks shared by the resource schemas. Nothing here carries an `$id`: only top-level
 * resource schemas do, because Fastify's validator refuses two schemas with one `$id`, and these
 * pieces are embedded in several resources. The identity and band pieces are declared once in
 * src/core/identity-band.ts and only re-exported here.
 *
 * This folder must stay free of Node-only imports: the UI imports the same schemas and types.
 */

export {
  AIRCRAFT_TYPE_PATTERN,
  AircraftTypeSchema,
  REGISTRATION_PATTERN,
  RegistrationSchema,
  SpeedUnitSchema,
  WholeSpeed,
} from "../../core/identity-band.js";
export type { FieldProblem } from "../../core/problems.js";

/** A non-negative event counter. */
export const Counter = (description: string, example = 0) =>
  Type.Integer({ minimum: 0, description, examples: [example] });
