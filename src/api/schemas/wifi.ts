import { type Static, Type } from "typebox";
import { freeTextProblem } from "../../core/safe-text.js";
import type { FieldProblem } from "./common.js";

/** WPA2 passphrase: 8–63 printable ASCII characters. */
export const WPA2_PASSPHRASE_PATTERN = "^[\\x20-\\x7E]{8,63}$";
const Passphrase = (description: string) =>
  Type.String({
    minLength: 8,
    maxLength: 63,
    pattern: WPA2_PASSPHRASE_PATTERN,
    description,
    writeOnly: true,
  });

/** SSIDs are limited to 32 bytes of UTF-8; the schema bounds characters, `checkWifiRules` the bytes. */
const Ssid = (minLength: number, description: string, example: string) =>
  Type.String({
    minLength,
    maxLength: 32,
    description: `${description} At most 32 bytes in UTF-8.`,
    examples: [example],
  });

const Channel = Type.Integer({
  minimum: 1,
  maximum: 13,
  description: "2.4 GHz channel, 1–13.",
  examples: [6],
});
const PasswordSet = Type.Boolean({
  description: "Whether a password is stored (passwords are never read back).",
});
const StationEnabled = Type.Boolean({ description: "Join a club WLAN as a station." });

/** `GET /api/wifi`. */
export const WifiSettings = Type.Object(
  {
    softap: Type.Object(
      {
        ssid: Ssid(1, "Name of the device's own network.", "OWTS-winch-3A4F1C"),
        channel: Channel,
        address: Type.String({
          description: "The device's address on its own network (read-only).",
          examples: ["192.168.4.1"],
        }),
        password_set: PasswordSet,
      },
      { additionalProperties: false, description: "The device's own access point." },
    ),
    station: Type.Object(
      {
        enabled: StationEnabled,
        ssid: Ssid(0, "Network to join; may be empty while disabled.", "Club-WLAN"),
        password_set: PasswordSet,
      },
      { additionalProperties: false, description: "Joining an existing network." },
    ),
  },
  {
    $id: "WifiSettings",
    additionalProperties: false,
    description: "WiFi settings. Passwords are write-only.",
    examples: [
      {
        softap: { ssid: "OWTS-winch-3A4F1C", channel: 6, address: "192.168.4.1", password_set: true },
        station: { enabled: false, ssid: "", password_set: false },
      },
    ],
  },
);
export type WifiSettings = Static<typeof WifiSettings>;

/**
 * `PUT /api/wifi` body. PUT replaces every setting, except that an absent password keeps the stored one
 * (passwords cannot be read back, so a client could not resend them). The station's password may be null to
 * join an open network; the SoftAP password can be set or changed, not cleared.
 */
export const WifiUpdate = Type.Object(
  {
    softap: Type.Object(
      {
        ssid: Ssid(1, "Name of the device's own network.", "OWTS-winch-3A4F1C"),
        channel: Channel,
        password: Type.Optional(
          Passphrase("New WPA2 passphrase, 8–63 printable ASCII; absent keeps the stored one."),
        ),
      },
      { additionalProperties: false },
    ),
    station: Type.Object(
      {
        enabled: StationEnabled,
        ssid: Ssid(0, "Network to join; required (non-empty) when enabled.", "Club-WLAN"),
        password: Type.Optional(
          Type.Union(
            [
              Passphrase("WPA2 passphrase, 8–63 printable ASCII."),
              Type.Null({ description: "Open network." }),
            ],
            {
              description: "New passphrase, or null for an open network; absent keeps the stored one.",
              writeOnly: true,
            },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: "WifiUpdate",
    additionalProperties: false,
    description:
      "All WiFi settings. Rules beyond the types: SSIDs at most 32 bytes in UTF-8; an enabled station needs an SSID.",
    examples: [
      {
        softap: { ssid: "OWTS-winch-3A4F1C", channel: 6, password: "glider-launch" },
        station: { enabled: true, ssid: "Club-WLAN", password: "club-secret-2025" },
      },
    ],
  },
);
export type WifiUpdate = Static<typeof WifiUpdate>;

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/** Rules JSON Schema cannot express, on a body that already passed `WifiUpdate`. Empty = valid. */
export function checkWifiRules(update: WifiUpdate): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, ssid] of [
    ["/softap/ssid", update.softap.ssid],
    ["/station/ssid", update.station.ssid],
  ] as const) {
    const bytes = utf8Length(ssid);
    if (bytes > 32)
      problems.push({ field, message: `SSID is ${bytes} bytes in UTF-8; at most 32 are allowed` });
    const unsafe = freeTextProblem(ssid);
    if (unsafe) problems.push({ field, message: `SSID ${unsafe}` });
  }
  if (update.station.enabled && update.station.ssid.length === 0)
    problems.push({
      field: "/station/ssid",
      message: "an enabled station needs the SSID of the network to join",
    });
  return problems;
}
