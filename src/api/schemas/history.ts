import { type Static, Type } from "typebox";
import { AircraftTypeSchema, Counter, RegistrationSchema, SpeedUnitSchema, WholeSpeed } from "./common.js";

export const LaunchSchema = Type.Object(
  {
    start: Type.String({
      format: "date-time",
      description: "When the launch began (RFC 3339, UTC).",
      examples: ["2025-05-01T10:15:30.000Z"],
    }),
    duration_s: Type.Number({
      minimum: 0,
      description: "Length of the launch in seconds.",
      examples: [42.5],
    }),
    registration: RegistrationSchema,
    type: AircraftTypeSchema,
    unit: SpeedUnitSchema,
    v_min: WholeSpeed("Band lower end during this launch, in `unit`.", 90),
    v_opt: WholeSpeed("Optimal speed during this launch, in `unit`.", 105),
    v_max: WholeSpeed("Band upper end during this launch, in `unit`.", 130),
    max_ias: Type.Number({
      minimum: 0,
      description: "Highest IAS seen, in `unit`, 0.1 resolution.",
      examples: [121.7],
    }),
    in_band_share: Type.Number({
      minimum: 0,
      maximum: 1,
      description: "Share of the launch time with IAS inside [v_min, v_max], 0..1.",
      examples: [0.83],
    }),
    frames_lost: Counter("Telemetry frames missed during the launch."),
  },
  { additionalProperties: false, description: "One recorded launch." },
);
export type Launch = Static<typeof LaunchSchema>;

/** `GET /api/history` (winch mode). `DELETE /api/history` clears it and answers 204. */
export const LaunchHistory = Type.Object(
  { launches: Type.Array(LaunchSchema, { description: "Recorded launches, oldest first." }) },
  {
    $id: "LaunchHistory",
    additionalProperties: false,
    description: "Launches recorded by this winch unit.",
    examples: [
      {
        launches: [
          {
            start: "2025-05-01T10:15:30.000Z",
            duration_s: 42.5,
            registration: "D-1234",
            type: "ASK 21",
            unit: "kmh",
            v_min: 90,
            v_opt: 105,
            v_max: 130,
            max_ias: 121.7,
            in_band_share: 0.83,
            frames_lost: 0,
          },
        ],
      },
    ],
  },
);
export type LaunchHistory = Static<typeof LaunchHistory>;
