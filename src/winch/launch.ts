import { type Static, Type } from "typebox";
import { IdentityBandSchema } from "../core/identity-band.js";
import { defineNamespace } from "../core/namespace-decl.js";

/*
 * The launch record the winch's history keeps (src/winch/history.ts) and `GET /api/history` lists.
 * Schemas only, browser-safe: the UI sees them through src/api/schemas.
 */

/** One recorded launch, as `GET /api/history` lists it; the API's schema adds only `$id`s and examples. */
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
    ...IdentityBandSchema.properties,
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
    frames_lost: Type.Integer({
      minimum: 0,
      description: "Telemetry frames missed during the launch.",
      examples: [0],
    }),
    verified: Type.Optional(
      Type.Boolean({
        description:
          "Every frame of the launch was verified against a pairing; false when a winch without any " +
          "pairing showed unverified frames. Absent in launches recorded before pairing existed.",
      }),
    ),
  },
  { additionalProperties: false, description: "One recorded launch." },
);

/**
 * A launch as the `history` file keeps it: the same fields, typed as leniently as the decoder accepts
 * them (a frame may carry a 16-byte registration and speeds up to 1000), because one odd launch that
 * failed a stricter file schema would make every later save of the list fail.
 */
export const StoredLaunchSchema = Type.Object(
  {
    ...LaunchSchema.properties,
    start: Type.String(),
    registration: Type.String(),
    type: Type.String(),
    v_min: Type.Number(),
    v_opt: Type.Number(),
    v_max: Type.Number(),
  },
  { $id: "StoredLaunch", additionalProperties: false },
);

/** Stored launch list; an object so the file can grow other fields later. */
const HistoryFile = Type.Object(
  { launches: Type.Array(StoredLaunchSchema) },
  { additionalProperties: false },
);

/** The `history` settings namespace the winch runtime keeps its launches in. */
export const HISTORY_NAMESPACE = defineNamespace("history", HistoryFile, { launches: [] });

export type Launch = Static<typeof StoredLaunchSchema>;
