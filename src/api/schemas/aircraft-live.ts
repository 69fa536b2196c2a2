import { type Static, Type } from "typebox";
import { LaunchPhaseSchema } from "../../core/launch-phase.js";
import { Counter, SpeedUnitSchema } from "./common.js";

export const FLIGHT_PHASES = ["airborne", "landing_hold", "landed"] as const;
export const SENSOR_STATES = ["ok", "stale", "fault", "starting"] as const;
export const TX_STATES = ["sending", "idle", "duty_blocked", "fault"] as const;

export const SensorHealthSchema = Type.Object(
  {
    state: Type.Enum(SENSOR_STATES, {
      description: "`ok` while readings are fresh and valid; `starting` during calibration.",
    }),
    reason: Type.Optional(Type.String({ description: "Plain-words reason when the state is not ok." })),
    errors: Counter("Consecutive failed reads."),
    source: Type.String({
      description:
        "Sensor kind: the airspeed source (`sim`, `ms4525do`, `replay`) or the static-pressure sensor (`bmp280`, `sim`).",
      examples: ["sim"],
    }),
  },
  { additionalProperties: false, description: "Health of the airspeed sensor." },
);

export const TxStateSchema = Type.Object(
  {
    state: Type.Enum(TX_STATES, {
      description:
        "`sending`: frames go out; `idle`: nothing to send (e.g. sensor not ready); " +
        "`duty_blocked`: held back by the duty-cycle limit; `fault`: the radio reports an error.",
    }),
    reason: Type.Optional(
      Type.String({ description: "Plain-words reason when the state is not `sending`." }),
    ),
    sent: Counter("Frames sent since start.", 1234),
    blocked_duty: Counter("Frames not sent because the duty-cycle budget was used up."),
    errors: Counter("Radio errors since start."),
    duty_used_ppm: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: "Transmit time used over the last 3600 s, in parts per million.",
      examples: [2400],
    }),
  },
  { additionalProperties: false, description: "Transmit state of the radio." },
);

/** `GET /api/aircraft/live` (aircraft mode). */
export const AircraftLive = Type.Object(
  {
    ias: Type.Number({
      minimum: 0,
      description: "Indicated airspeed in `unit`, rounded to 0.1 (the display resolution the ETag uses).",
      examples: [98.4],
    }),
    unit: SpeedUnitSchema,
    flight_phase: Type.Enum(FLIGHT_PHASES, {
      description:
        "`airborne`: above v_en; `landing_hold`: below v_en, waiting to confirm the landing; `landed`: confirmed.",
    }),
    phase: LaunchPhaseSchema,
    is_landed: Type.Boolean({ description: "true once the landing is confirmed (phase `landed`)." }),
    landing_hold_s: Type.Integer({
      minimum: 0,
      description: "Whole seconds spent in `landing_hold` so far; 0 in the other phases.",
      examples: [0],
    }),
    sensor: SensorHealthSchema,
    climb_mps: Type.Union([Type.Number(), Type.Null()], {
      description:
        "Climb rate (m/s, 0.1; negative = sinking) from the static-pressure sensor, after its variometer filter. " +
        "null without one, while it settles or fails; the release is then decided by the IAS alone.",
      examples: [9.6],
    }),
    baro: Type.Union([SensorHealthSchema, Type.Null()], {
      description: "Health of the static-pressure sensor (`--baro`); null when the unit has none.",
    }),
    tx: TxStateSchema,
  },
  {
    $id: "AircraftLive",
    additionalProperties: false,
    description:
      "Live airspeed and state. Served with a content ETag (IAS at 0.1, phase, landed flag, landing-hold " +
      "seconds, sensor health, transmit state) and `Cache-Control: no-cache`; `If-None-Match` gives 304.",
    examples: [
      {
        ias: 98.4,
        unit: "kmh",
        flight_phase: "airborne",
        phase: "launch",
        is_landed: false,
        landing_hold_s: 0,
        sensor: { state: "ok", errors: 0, source: "sim" },
        climb_mps: 9.6,
        baro: { state: "ok", errors: 0, source: "bmp280" },
        tx: { state: "sending", sent: 1234, blocked_duty: 0, errors: 0, duty_used_ppm: 2400 },
      },
    ],
  },
);
export type AircraftLive = Static<typeof AircraftLive>;
