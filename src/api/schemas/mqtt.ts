import { type Static, Type } from "typebox";
import { Counter } from "./common.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description: string) =>
  Type.Union([t, Type.Null()], { description });

/** The broker connection as `/api/status` and `/api/mqtt` show it. Never a credential. */
export const MqttStatusSchema = Type.Object(
  {
    state: Type.Enum(["off", "connecting", "connected", "waiting", "stopped"], {
      description:
        "`off`: no broker configured; `connecting`: an attempt is under way; `connected`; `waiting`: the next attempt is due after a back-off.",
    }),
    broker: Nullable(Type.String(), "Scheme, host and port of the broker; null when off."),
    protocol: Nullable(Type.Enum(["5", "3.1.1"]), "The MQTT version spoken (or being tried)."),
    last_error: Nullable(Type.String(), "The last thing that went wrong, in plain words."),
    last_error_at: Nullable(Type.String({ format: "date-time" }), "When it went wrong."),
    connected_since: Nullable(Type.String({ format: "date-time" }), "Start of the current connection."),
    attempts: Counter("Connection attempts since the configuration was applied."),
    sent: Counter("Messages the broker took."),
    dropped: Counter("Messages given up (queue full, expired while waiting, lost in flight)."),
    queued: Counter("Messages waiting for the broker now."),
  },
  { additionalProperties: false, description: "MQTT connection state and counters." },
);
export type MqttStatus = Static<typeof MqttStatusSchema>;

/** What a unit with no broker configured reports. */
export const MQTT_OFF_STATUS: MqttStatus = {
  state: "off",
  broker: null,
  protocol: null,
  last_error: null,
  last_error_at: null,
  connected_since: null,
  attempts: 0,
  sent: 0,
  dropped: 0,
  queued: 0,
};

/** `GET /api/mqtt`, also the answer to `PUT`. */
export const MqttView = Type.Object(
  {
    enabled: Type.Boolean({ description: "Whether the unit publishes to a broker." }),
    url: Type.String({
      description: "`mqtt://host:port` or `mqtts://host:port`.",
      examples: ["mqtt://192.168.4.2:1883"],
    }),
    user: Nullable(Type.String(), "User name; null for an anonymous broker."),
    password_set: Type.Boolean({
      description: "Whether a password is stored. The password itself is never returned.",
    }),
    ca_pem: Nullable(Type.String(), "PEM of the CA trusted for `mqtts` (null: the system's CAs)."),
    prefix: Type.String({ description: "First topic level(s): `<prefix>/<esp_id>/…`.", examples: ["owts"] }),
    discovery: Type.Boolean({ description: "Home Assistant discovery under `homeassistant/`." }),
    status: MqttStatusSchema,
  },
  {
    $id: "MqttView",
    additionalProperties: false,
    description: "MQTT settings and connection state.",
    examples: [
      {
        enabled: true,
        url: "mqtt://192.168.4.2:1883",
        user: "winch",
        password_set: true,
        ca_pem: null,
        prefix: "owts",
        discovery: true,
        status: {
          state: "connected",
          broker: "mqtt://192.168.4.2:1883",
          protocol: "5",
          last_error: null,
          last_error_at: null,
          connected_since: "2025-05-01T10:15:30.000Z",
          attempts: 1,
          sent: 1234,
          dropped: 0,
          queued: 0,
        },
      },
    ],
  },
);
export type MqttView = Static<typeof MqttView>;

/** `PUT /api/mqtt`: the whole configuration; `password` and `ca_pem` left out keep what is stored. */
export const MqttUpdate = Type.Object(
  {
    enabled: Type.Boolean(),
    url: Type.String({ maxLength: 512 }),
    user: Type.Optional(Nullable(Type.String({ maxLength: 256 }), "null: anonymous.")),
    password: Type.Optional(
      Nullable(
        Type.String({ maxLength: 1024 }),
        "Write-only. Left out: keep the stored one; null: remove it.",
      ),
    ),
    ca_pem: Type.Optional(
      Nullable(Type.String({ maxLength: 65_536 }), "Left out: keep; null: the system's CAs."),
    ),
    prefix: Type.Optional(Type.String({ maxLength: 64, description: "Default `owts`." })),
    discovery: Type.Optional(Type.Boolean({ description: "Default true." })),
  },
  {
    $id: "MqttUpdate",
    additionalProperties: false,
    description: "New MQTT settings, applied without a restart.",
    examples: [
      { enabled: false, url: "mqtt://127.0.0.1:1883", user: "winch", prefix: "owts", discovery: true },
      { enabled: true, url: "mqtts://broker.club:8883", user: "winch", password: "s3cret", ca_pem: null },
    ],
  },
);
export type MqttUpdate = Static<typeof MqttUpdate>;
