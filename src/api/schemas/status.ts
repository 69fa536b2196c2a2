import { type Static, Type } from "typebox";
import { DisplaysStatusSchema } from "../../display/status-schema.js";
import { Counter } from "./common.js";
import { MQTT_OFF_STATUS, MqttStatusSchema } from "./mqtt.js";

const Bytes = (description: string, example: number) =>
  Type.Integer({ minimum: 0, description: `${description} Bytes.`, examples: [example] });

/** `GET /api/status`. */
export const Status = Type.Object(
  {
    memory: Type.Object(
      {
        heap_free: Bytes("Free heap now (heap limit minus used).", 180_000_000),
        heap_free_min: Bytes("Lowest free heap seen since start.", 170_000_000),
        heap_used: Bytes("Heap in use now.", 24_000_000),
        rss: Bytes("Resident set size of the process.", 90_000_000),
      },
      { additionalProperties: false, description: "Memory figures." },
    ),
    sessions: Type.Object(
      {
        open: Counter("TLS sessions open now.", 2),
        max: Type.Integer({ minimum: 1, description: "Session budget (`max_open_sockets`).", examples: [4] }),
        peak_open: Counter("Most sessions open at once since start.", 4),
        purged: Counter("Idle sessions closed to make room for a new one."),
        h2_open: Counter(
          "Of the sessions open now, those speaking HTTP/2 (one slot however many streams).",
          1,
        ),
        queued_now: Counter("Connections waiting for a free slot right now."),
        queued_total: Counter("Connections that ever had to wait for a free slot, since start."),
        sliced: Counter("Busy sessions that gave their slot up at the end of their time slice, since start."),
        rejected: Counter("Connections dropped because no slot freed within the wait."),
        closed_for: Type.Object(
          {
            slow_reader: Counter("Sessions abandoned because their client did not read its responses."),
            slow_body: Counter("Requests answered 408 because their body arrived too slowly."),
            h2_abuse: Counter(
              "h2 sessions closed for a frame flood (resets, pings, settings, empty frames).",
            ),
          },
          { additionalProperties: false, description: "Sessions closed for misuse, by reason, since start." },
        ),
      },
      { additionalProperties: false, description: "HTTPS session budget." },
    ),
    tls_failures: Type.Object(
      {
        client_aborted: Counter("Handshakes the client abandoned."),
        handshake_timeout: Counter("Handshakes that did not finish in time (slow or silent clients)."),
        certificate_refused: Counter(
          "Handshakes refused over the self-signed certificate (browser warning flow).",
        ),
        protocol_mismatch: Counter("Handshakes failed on protocol version or cipher."),
        out_of_resources: Counter("Handshakes failed for lack of memory or sockets."),
        queue_refused: Counter(
          "Connections the session budget turned away (wait queue full, or no slot within the wait): load, not a fault.",
        ),
        other: Counter("Handshake failures of no known class."),
      },
      { additionalProperties: false, description: "TLS handshake failures by class since start." },
    ),
    radio: Type.Object(
      {
        sent: Counter("Frames sent.", 1234),
        received: Counter("Frames decoded."),
        lost: Counter("Frames missed (sequence gaps)."),
        bad_frames: Counter("Frames received but rejected (CRC, format)."),
        rejected: Type.Object(
          {
            bad_mac: Counter(
              "Frames whose key id is paired but whose MAC does not verify (forged or damaged).",
            ),
            replay: Counter("Genuine frames whose counter is not above the last one accepted (replayed)."),
            unknown_key: Counter("Frames signed with a key id this winch is not paired with."),
            unpaired: Counter("Frames signed with no key at all, refused because this winch has pairings."),
          },
          {
            additionalProperties: false,
            description: "Well-formed frames a paired winch did not trust, by reason (0 in aircraft mode).",
          },
        ),
        duty_blocked: Counter("Frames held back by the duty-cycle limit."),
        duty_used_ppm: Type.Integer({
          minimum: 0,
          maximum: 1_000_000,
          description: "Transmit time over the last 3600 s, ppm.",
          examples: [2400],
        }),
        link: Type.Optional(
          Type.Object(
            {
              kind: Type.Union([Type.Literal("sim"), Type.Literal("udp"), Type.Literal("sx1262")]),
              state: Type.Union([
                Type.Literal("starting"),
                Type.Literal("ok"),
                Type.Literal("fault"),
                Type.Literal("closed"),
              ]),
              reason: Type.Optional(
                Type.String({
                  description: "Why the radio is not working, in plain words; retried in the background.",
                }),
              ),
            },
            { additionalProperties: false, description: "Radio hardware (sx1262 only): state and reason." },
          ),
        ),
        lbt_deferred: Type.Optional(Counter("Frames that waited for a busy channel (listen before talk).")),
        lbt_dropped: Type.Optional(Counter("Frames dropped: the channel stayed busy for the bounded wait.")),
        dropped_foreign: Type.Optional(
          Counter("UDP link only: datagrams dropped unread for not coming from a configured peer."),
        ),
        dropped_oversized: Type.Optional(
          Counter("UDP link only: datagrams dropped unread for being larger than a radio frame."),
        ),
      },
      { additionalProperties: false, description: "Radio link counters since start." },
    ),
    displays: DisplaysStatusSchema,
    runtime: Type.Object(
      {
        running: Type.Boolean({
          description: "The mode's runtime (sensor, radio, receiver) runs.",
          examples: [true],
        }),
        problem: Type.Union(
          [
            Type.Object(
              {
                reason: Type.String({
                  description: "Why it did not start, in plain words.",
                  examples: ["udp radio cannot bind 0.0.0.0:47800: bind EADDRINUSE 0.0.0.0:47800"],
                }),
                since: Type.String({ format: "date-time", description: "When it first failed." }),
                attempts: Counter("Failed starts so far.", 3),
                retry_in_ms: Type.Integer({
                  minimum: 0,
                  description: "Wait before the next attempt.",
                  examples: [4000],
                }),
              },
              { additionalProperties: false },
            ),
            Type.Null(),
          ],
          {
            description:
              "Set while a runtime that failed to start (after a mode change or reboot) is retried in the background; " +
              "null when it runs. The web side keeps serving meanwhile.",
          },
        ),
      },
      { additionalProperties: false, description: "The mode's runtime." },
    ),
    mqtt: MqttStatusSchema,
  },
  {
    $id: "Status",
    additionalProperties: false,
    description: "Health figures of the device.",
    examples: [
      {
        memory: {
          heap_free: 180_000_000,
          heap_free_min: 170_000_000,
          heap_used: 24_000_000,
          rss: 90_000_000,
        },
        sessions: {
          open: 2,
          max: 4,
          peak_open: 4,
          purged: 0,
          h2_open: 1,
          queued_now: 0,
          queued_total: 0,
          sliced: 0,
          rejected: 0,
          closed_for: { slow_reader: 0, slow_body: 0, h2_abuse: 0 },
        },
        tls_failures: {
          client_aborted: 0,
          handshake_timeout: 0,
          certificate_refused: 1,
          protocol_mismatch: 0,
          out_of_resources: 0,
          queue_refused: 0,
          other: 0,
        },
        radio: {
          sent: 1234,
          received: 0,
          lost: 0,
          bad_frames: 0,
          rejected: { bad_mac: 0, replay: 0, unknown_key: 0, unpaired: 0 },
          duty_blocked: 0,
          duty_used_ppm: 2400,
        },
        displays: [{ name: "oled", state: "ok", errors: 0, updates: 1200 }],
        runtime: { running: true, problem: null },
        mqtt: MQTT_OFF_STATUS,
      },
    ],
  },
);
export type Status = Static<typeof Status>;
