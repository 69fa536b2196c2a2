import { type Static, Type } from "typebox";

const KeyId = Type.String({
  pattern: "^[0-9a-f]{8}$",
  description: "The link key's id (8 hex digits), carried in every frame; not secret.",
  examples: ["5e1f00a2"],
});

/** `GET /api/pairing` and the answer to `POST /api/pairing/rotate`'s key part: no secret. */
export const LinkKeyInfo = Type.Object(
  {
    key_id: KeyId,
    created: Type.String({
      description: "When the key was made (RFC 3339, UTC).",
      examples: ["2026-05-01T10:15:30.000Z"],
    }),
  },
  {
    $id: "LinkKeyInfo",
    additionalProperties: false,
    description: "The aircraft unit's link key, without the key.",
    examples: [{ key_id: "5e1f00a2", created: "2026-05-01T10:15:30.000Z" }],
  },
);
export type LinkKeyInfo = Static<typeof LinkKeyInfo>;

/** `POST /api/pairing` and `POST /api/pairing/rotate` (aircraft mode). */
export const PairingCode = Type.Object(
  {
    code: Type.String({
      description:
        "The pairing code: the link key itself, for the winch (`POST /api/winch/pairings`). Show it to a person, " +
        "as a QR code or text; 7 groups of 5 characters, each group ending in a check character.",
      examples: ["OWTS-0G4TR-7KQ2M-…"],
    }),
    registration: Type.String({ examples: ["D-1234"] }),
    type: Type.String({ examples: ["ASK 21"] }),
    key_id: KeyId,
  },
  {
    $id: "PairingCode",
    additionalProperties: false,
    description: "The aircraft unit's pairing code (its link key) and the aircraft it names, for the winch.",
    examples: [{ code: "OWTS-0G4TR-7KQ2M-…", registration: "D-1234", type: "ASK 21", key_id: "5e1f00a2" }],
  },
);
export type PairingCode = Static<typeof PairingCode>;

/** One aircraft the winch trusts. */
export const WinchPairing = Type.Object(
  {
    key_id: KeyId,
    registration: Type.Union([Type.String(), Type.Null()], {
      description: "From the last verified full frame; null until one arrived.",
    }),
    type: Type.Union([Type.String(), Type.Null()]),
    added: Type.String({ description: "When the pairing was added (RFC 3339, UTC)." }),
    last_verified: Type.Union([Type.String(), Type.Null()], {
      description: "When the last verified frame arrived (saved every 10 s); null before the first.",
    }),
  },
  {
    $id: "WinchPairing",
    additionalProperties: false,
    description: "One aircraft this winch trusts: the key id it verifies frames with, and whom they named.",
    examples: [
      {
        key_id: "5e1f00a2",
        registration: "D-1234",
        type: "ASK 21",
        added: "2026-05-01T10:20:00.000Z",
        last_verified: "2026-05-01T10:25:10.000Z",
      },
    ],
  },
);
export type WinchPairing = Static<typeof WinchPairing>;

/** `GET /api/winch/pairings` (winch mode). */
export const WinchPairingList = Type.Object(
  { pairings: Type.Array(WinchPairing) },
  {
    $id: "WinchPairingList",
    additionalProperties: false,
    description: "The aircraft this winch trusts. Empty: it shows any aircraft it hears, marked unverified.",
    examples: [
      {
        pairings: [
          {
            key_id: "5e1f00a2",
            registration: "D-1234",
            type: "ASK 21",
            added: "2026-05-01T10:20:00.000Z",
            last_verified: "2026-05-01T10:25:10.000Z",
          },
        ],
      },
      { pairings: [] },
    ],
  },
);
export type WinchPairingList = Static<typeof WinchPairingList>;

/** `POST /api/winch/pairings` body. */
export const WinchPairingAdd = Type.Object(
  { code: Type.String({ maxLength: 200, description: "The aircraft's pairing code, as typed or scanned." }) },
  {
    $id: "WinchPairingAdd",
    additionalProperties: false,
    description: "Pair this winch with an aircraft: the code its unit shows.",
    examples: [{ code: "OWTS-0G4TR-7KQ2M-…" }],
  },
);
export type WinchPairingAdd = Static<typeof WinchPairingAdd>;
