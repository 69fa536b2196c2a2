import { type Static, Type } from "typebox";

export const MODEM_BACKENDS = ["gfsk", "lora"] as const;

const PPM = (description: string, example: number) =>
  Type.Integer({ minimum: 0, maximum: 1_000_000, description, examples: [example] });

export const SrdProfileSchema = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      description: "Stable id used in `srd_profile_id`.",
      examples: ["eu868-h1.4"],
    }),
    label: Type.String({ description: "Plain-words name.", examples: ["EU 869.4–869.65 MHz, 10 %, 500 mW"] }),
    freq_lo_hz: Type.Integer({
      minimum: 0,
      description: "Lowest allowed carrier frequency, Hz.",
      examples: [869_400_000],
    }),
    freq_hi_hz: Type.Integer({
      minimum: 0,
      description: "Highest allowed carrier frequency, Hz.",
      examples: [869_650_000],
    }),
    duty_cycle_max_ppm: PPM("Duty-cycle limit of the segment, ppm of time (10 000 = 1 %).", 100_000),
    max_power_dbm: Type.Integer({ description: "Transmit power cap of the segment, dBm.", examples: [22] }),
  },
  { additionalProperties: false, description: "A short-range-device frequency segment with its limits." },
);
export type SrdProfile = Static<typeof SrdProfileSchema>;

const ModemBackend = Type.Enum(MODEM_BACKENDS, {
  description: "Modulation: `gfsk` or `lora`.",
  examples: ["lora"],
});
const ProfileId = Type.String({
  minLength: 1,
  description: "Id of the SRD profile in use.",
  examples: ["eu868-h1.4"],
});
const FrequencyHz = Type.Integer({
  minimum: 0,
  description:
    "Carrier frequency, Hz. Writes must lie inside the profile's segment and outside the FLARM band.",
  examples: [869_525_000],
});
const TxPowerDbm = Type.Integer({
  minimum: -9,
  maximum: 30,
  description: "Transmit power, dBm; must not exceed the profile's cap.",
  examples: [14],
});
const LabOverride = Type.Boolean({
  description: "Lab use only: ignore the duty-cycle limit (not legal on air).",
  examples: [false],
});

/** `GET /api/radio`. */
export const RadioSettings = Type.Object(
  {
    modem_backend: ModemBackend,
    profiles: Type.Array(SrdProfileSchema, { description: "Selectable SRD profiles." }),
    srd_profile_id: ProfileId,
    frequency_hz: FrequencyHz,
    frequency_hz_step: Type.Integer({
      minimum: 1,
      description: "Frequencies are snapped to multiples of this step (read-only).",
      examples: [25_000],
    }),
    tx_power_dbm: TxPowerDbm,
    duty_cycle_lab_override: LabOverride,
    duty_used_ppm: PPM(
      "Transmit time used over the rolling 3600 s window (1 s buckets), ppm (read-only).",
      2400,
    ),
  },
  {
    $id: "RadioSettings",
    additionalProperties: false,
    description: "Radio configuration and the rolling duty-cycle use.",
    examples: [
      {
        modem_backend: "lora",
        profiles: [
          {
            id: "eu868-h1.4",
            label: "EU 869.4–869.65 MHz, 10 %, 500 mW",
            freq_lo_hz: 869_400_000,
            freq_hi_hz: 869_650_000,
            duty_cycle_max_ppm: 100_000,
            max_power_dbm: 22,
          },
        ],
        srd_profile_id: "eu868-h1.4",
        frequency_hz: 869_525_000,
        frequency_hz_step: 25_000,
        tx_power_dbm: 14,
        duty_cycle_lab_override: false,
        duty_used_ppm: 2400,
      },
    ],
  },
);
export type RadioSettings = Static<typeof RadioSettings>;

/** `PATCH /api/radio` body: the writable subset, at least one field; checked against the profile after merging. */
export const RadioPatch = Type.Object(
  {
    modem_backend: Type.Optional(ModemBackend),
    srd_profile_id: Type.Optional(ProfileId),
    frequency_hz: Type.Optional(FrequencyHz),
    tx_power_dbm: Type.Optional(TxPowerDbm),
    duty_cycle_lab_override: Type.Optional(LabOverride),
  },
  {
    $id: "RadioPatch",
    additionalProperties: false,
    minProperties: 1,
    description:
      "Radio fields to change. After merging: the frequency must lie inside the profile's segment, on the step " +
      "and outside the FLARM avoidance band, and the power within the profile's cap.",
    examples: [{ frequency_hz: 869_500_000 }, { srd_profile_id: "eu868-h1.4", tx_power_dbm: 20 }],
  },
);
export type RadioPatch = Static<typeof RadioPatch>;
