import { type Static, Type } from "typebox";
import { IdentityBandSchema } from "../../core/identity-band.js";
import { LaunchPhaseSchema } from "../../core/launch-phase.js";
import { Counter } from "./common.js";

export const IAS_ZONES = ["below", "inside", "above"] as const;
export const LINK_STATES = ["no_signal", "ok", "stale"] as const;

export const WinchTelemetrySchema = Type.Object(
  {
    ...IdentityBandSchema.properties,
    ias: Type.Number({
      minimum: 0,
      description: "Indicated airspeed in `unit`, 0.1 resolution.",
      examples: [101.2],
    }),
    zone: Type.Enum(IAS_ZONES, { description: "Where the IAS is against the band [v_min, v_max]." }),
    rssi_dbm: Type.Union([Type.Number(), Type.Null()], {
      description:
        "Received signal strength of the last frame, dBm; null on a link that cannot measure it (UDP).",
      examples: [-87],
    }),
    snr_db: Type.Union([Type.Number(), Type.Null()], {
      description:
        "Signal-to-noise ratio of the last frame, dB; null on a link that cannot measure it (UDP).",
      examples: [7.5],
    }),
    age_ms: Type.Integer({
      minimum: 0,
      description: "Milliseconds since the last frame arrived.",
      examples: [120],
    }),
    verified: Type.Boolean({
      description:
        "Whether the frames shown were verified against a pairing. Always true once the winch has a " +
        "pairing (unverified frames are then not shown at all); false on a winch with no pairing.",
      examples: [true],
    }),
    phase: Type.Union([LaunchPhaseSchema, Type.Null()], {
      description:
        "Launch phase the last frame carried; null from an aircraft unit too old to send it. From " +
        "`released` on, the glider is off the cable: `ias` and `zone` are then not for the winch driver.",
      examples: ["launch"],
    }),
    seq: Type.Integer({
      minimum: 0,
      description: "Sequence number of the last decoded frame.",
      examples: [4711],
    }),
    received: Counter("Frames decoded since start.", 4700),
    lost: Counter("Frames missed (gaps in the sequence) since start.", 11),
  },
  { additionalProperties: false, description: "The last decoded telemetry frame with link figures." },
);

export const UnpairedHeardSchema = Type.Object(
  {
    registration: Type.String({ maxLength: 64 }),
    type: Type.String({ maxLength: 64 }),
    key_id: Type.Union([Type.String({ pattern: "^[0-9a-f]{8}$" }), Type.Null()], {
      description: "Key id the unit signs with; null for a unit that signs nothing.",
    }),
    age_ms: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** The launch in progress or just ended, as the monitor shows it once the glider is off the cable. */
export const LaunchProgressSchema = Type.Object(
  {
    id: Type.String({ description: "Its id in `/api/history/{id}`." }),
    phase: Type.Union([LaunchPhaseSchema, Type.Null()], { description: "The last phase heard." }),
    ended: Type.Boolean({ description: "The record is closed (landed, or the aircraft fell silent)." }),
    released: Type.Boolean({ description: "A release was seen: the launch is complete." }),
    max_ias: Type.Number({ minimum: 0, description: "Highest IAS up to release, in `unit`." }),
    release_ias: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    time_in_band_s: Type.Number({ minimum: 0, description: "Time inside the band up to release." }),
    in_band_share: Type.Number({ minimum: 0, maximum: 1 }),
    duration_s: Type.Number({ minimum: 0, description: "First frame to release (so far)." }),
    unit: IdentityBandSchema.properties.unit,
  },
  { additionalProperties: false },
);

/** `GET /api/winch` (winch mode). */
export const WinchState = Type.Object(
  {
    telemetry: Type.Union([WinchTelemetrySchema, Type.Null()], {
      description: "The last decoded telemetry, or null before the first frame.",
    }),
    link: Type.Enum(LINK_STATES, {
      description:
        "`no_signal`: no frame yet or for a long time; `ok`: frames arrive; `stale`: frames stopped recently.",
    }),
    launch: Type.Optional(
      Type.Union([LaunchProgressSchema, Type.Null()], {
        description:
          "The launch being recorded, or the one that ended in the last 10 minutes (kept after the link " +
          "goes quiet, so a landing reads as a landing, not a lost signal); null otherwise.",
      }),
    ),
    unpaired_heard: Type.Array(UnpairedHeardSchema, {
      maxItems: 4,
      description:
        "Aircraft heard in the last minute whose frames this winch does not trust (not paired), newest first.",
    }),
  },
  {
    $id: "WinchState",
    additionalProperties: false,
    description:
      "What the winch receives. ETag changes with each frame shown and each link-state change (never " +
      "for a refused frame); " +
      "`If-None-Match` gives 304 otherwise; `Cache-Control: no-cache`.",
    examples: [
      {
        telemetry: {
          registration: "D-1234",
          type: "ASK 21",
          unit: "kmh",
          v_min: 90,
          v_opt: 105,
          v_max: 130,
          ias: 101.2,
          zone: "inside",
          rssi_dbm: -87,
          snr_db: 7.5,
          age_ms: 120,
          verified: true,
          phase: "launch",
          seq: 4711,
          received: 4700,
          lost: 11,
        },
        link: "ok",
        unpaired_heard: [],
      },
      {
        telemetry: null,
        link: "no_signal",
        unpaired_heard: [{ registration: "D-5678", type: "LS8", key_id: "5e1f00a2", age_ms: 800 }],
      },
    ],
  },
);
export type WinchState = Static<typeof WinchState>;
export type WinchTelemetry = Static<typeof WinchTelemetrySchema>;
