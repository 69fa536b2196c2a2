import { type Static, Type } from "typebox";
import { IdentityBandSchema } from "../../core/identity-band.js";
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
  },
  {
    $id: "WinchState",
    additionalProperties: false,
    description:
      "What the winch receives. ETag changes with each decoded frame and each link-state change; " +
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
          seq: 4711,
          received: 4700,
          lost: 11,
        },
        link: "ok",
      },
      { telemetry: null, link: "no_signal" },
    ],
  },
);
export type WinchState = Static<typeof WinchState>;
export type WinchTelemetry = Static<typeof WinchTelemetrySchema>;
