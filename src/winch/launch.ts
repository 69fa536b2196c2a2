import { type Static, Type } from "typebox";
import { IdentityBandSchema } from "../core/identity-band.js";
import { defineNamespace } from "../core/namespace-decl.js";

/*
 * The launch record the winch's history keeps (src/winch/history.ts) and `GET /api/history` lists.
 * Schemas only, browser-safe: the UI sees them through src/api/schemas.
 */

/** A launch id: its start (UTC, compact) and a random suffix; safe in a path and a file name. */
export const LAUNCH_ID_PATTERN = "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4,8}$";

/** Who recorded a launch: the winch (frames as received) or the aircraft unit (its own sensor, full rate). */
export const LAUNCH_SOURCES = ["winch", "aircraft"] as const;

/** One recorded launch, as `GET /api/history` lists it; the API's schema adds only `$id`s and examples. */
export const LaunchSchema = Type.Object(
  {
    id: Type.String({
      pattern: LAUNCH_ID_PATTERN,
      description: "The launch's id in `/api/history/{id}` (its UTC start and a random suffix).",
      examples: ["20250501T101530Z-3fa2"],
    }),
    source: Type.Enum(LAUNCH_SOURCES, {
      description: "`winch`: the frames this winch received; `aircraft`: the aircraft unit's own readings.",
    }),
    start: Type.String({
      format: "date-time",
      description: "When the launch began (RFC 3339, UTC).",
      examples: ["2025-05-01T10:15:30.000Z"],
    }),
    duration_s: Type.Number({
      minimum: 0,
      description:
        "Length of the launch in seconds: first frame to release (the winch's part), or to the end of the " +
        "record when no release was seen (a transmitter without phases, a cable break).",
      examples: [42.5],
    }),
    flight_s: Type.Number({
      minimum: 0,
      description: "Length of the whole record (release to landing or silence kept as context), seconds.",
      examples: [212.4],
    }),
    ...IdentityBandSchema.properties,
    max_ias: Type.Number({
      minimum: 0,
      description: "Highest IAS during the launch (up to release), in `unit`, 0.1 resolution.",
      examples: [121.7],
    }),
    in_band_share: Type.Number({
      minimum: 0,
      maximum: 1,
      description: "Share of the launch time (up to release) with IAS inside [v_min, v_max], 0..1.",
      examples: [0.83],
    }),
    time_in_band_s: Type.Number({
      minimum: 0,
      description: "Time with IAS inside [v_min, v_max] during the launch, seconds.",
      examples: [31.2],
    }),
    time_to_vmin_s: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: "Seconds from the first frame until the IAS first reached v_min; null if it never did.",
      examples: [5.4],
    }),
    released: Type.Boolean({ description: "Whether a release (free flight) was seen." }),
    release_ias: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: "IAS at release (the last reading on the cable), in `unit`; null without a release.",
      examples: [108.3],
    }),
    frames_lost: Type.Integer({
      minimum: 0,
      description: "Telemetry frames missed during the record (0 for the aircraft's own records).",
      examples: [0],
    }),
    max_gap_ms: Type.Integer({
      minimum: 0,
      description: "Longest interval between two recorded points, ms (a reception gap on the winch).",
      examples: [400],
    }),
    trace_points: Type.Integer({
      minimum: 0,
      description: "Points in the stored trace; 0 once an old trace was dropped to make room (summary kept).",
      examples: [1062],
    }),
    complete: Type.Boolean({
      description:
        "false when the record was cut short: storage full while recording, or recovered after a power cut.",
    }),
    incomplete_reason: Type.Optional(Type.String({ description: "Why the record is incomplete." })),
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
 * failed a stricter file schema would make every later save of the list fail. The fields added with
 * launch phases are optional here: launches stored before them are upgraded on loading.
 */
export const StoredLaunchSchema = Type.Object(
  {
    ...LaunchSchema.properties,
    id: Type.Optional(Type.String({ pattern: LAUNCH_ID_PATTERN })),
    source: Type.Optional(LaunchSchema.properties.source),
    flight_s: Type.Optional(Type.Number({ minimum: 0 })),
    time_in_band_s: Type.Optional(Type.Number({ minimum: 0 })),
    time_to_vmin_s: Type.Optional(LaunchSchema.properties.time_to_vmin_s),
    released: Type.Optional(Type.Boolean()),
    release_ias: Type.Optional(LaunchSchema.properties.release_ias),
    max_gap_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    trace_points: Type.Optional(Type.Integer({ minimum: 0 })),
    complete: Type.Optional(Type.Boolean()),
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

/** The aircraft unit's own launches (its sensor at full rate), kept apart from a winch's history. */
export const OWN_LAUNCHES_NAMESPACE = defineNamespace("own_launches", HistoryFile, { launches: [] });

/** Trace directories beside the settings store's, one per namespace. */
export const TRACE_DIRS = { history: "launches", own_launches: "launches-aircraft" } as const;

export type StoredLaunch = Static<typeof StoredLaunchSchema>;
/** A launch as served (every field present; stored ones are upgraded on loading). */
export type Launch = Static<typeof LaunchSchema>;
