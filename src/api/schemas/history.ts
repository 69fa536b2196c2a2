import { type Static, Type } from "typebox";
import { LaunchSchema } from "../../winch/launch.js";

/** One launch in `GET /api/history`: the winch's launch record (src/winch/launch.ts) as it is. */
export { LaunchSchema };
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
