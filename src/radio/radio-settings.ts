import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { defineNamespace } from "../core/namespace-decl.js";
import { MODEM_BACKENDS, MODEM_PRESETS, type ModemBackend, occupiedBandwidthHz } from "./modem.js";
import {
  DEFAULT_SRD_PROFILE_ID,
  FLARM_AVOIDANCE_HZ,
  findSrdProfile,
  SRD_PROFILES,
  type SrdProfile,
  TX_POWER_HW_RANGE_DBM,
} from "./srd-profiles.js";

/** The channel raster: 25 kHz, the EU SRD channel spacing; both modem presets sit on it. */
export const FREQUENCY_STEP_HZ: Record<ModemBackend, number> = { gfsk: 25_000, lora: 25_000 };

/** Writable radio settings (`PATCH /api/radio` body with every field optional). */
export const RadioSettingsSchema = Type.Object(
  {
    modem_backend: Type.Enum(MODEM_BACKENDS, { description: "Modem used on air; both units must match" }),
    srd_profile_id: Type.String({ minLength: 1, maxLength: 64, description: "Id of one of `srd_profiles`" }),
    frequency_hz: Type.Integer({
      minimum: 863_000_000,
      maximum: 870_000_000,
      description: "Centre frequency; snapped to `frequency_hz_step`",
    }),
    tx_power_dbm: Type.Integer({
      minimum: TX_POWER_HW_RANGE_DBM[0],
      maximum: TX_POWER_HW_RANGE_DBM[1],
      description: "Transmit power (e.r.p.), at most the profile's power cap",
    }),
    duty_cycle_lab_override: Type.Boolean({
      description: "Lab only: transmit even when the duty-cycle budget is spent",
    }),
  },
  { additionalProperties: false, $id: "RadioSettings" },
);
export type RadioSettings = Static<typeof RadioSettingsSchema>;

export const RadioSettingsPatchSchema = Type.Object(
  {
    modem_backend: Type.Optional(RadioSettingsSchema.properties.modem_backend),
    srd_profile_id: Type.Optional(RadioSettingsSchema.properties.srd_profile_id),
    frequency_hz: Type.Optional(RadioSettingsSchema.properties.frequency_hz),
    tx_power_dbm: Type.Optional(RadioSettingsSchema.properties.tx_power_dbm),
    duty_cycle_lab_override: Type.Optional(RadioSettingsSchema.properties.duty_cycle_lab_override),
  },
  { additionalProperties: false, $id: "RadioSettingsPatch" },
);
export type RadioSettingsPatch = Static<typeof RadioSettingsPatchSchema>;

export const SrdProfileSchema = Type.Object(
  {
    id: Type.String(),
    label: Type.String(),
    segment_hz: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }),
    duty_cycle_max_ppm: Type.Integer(),
    power_cap_dbm: Type.Integer(),
    modems: Type.Array(Type.Enum(MODEM_BACKENDS)),
  },
  { $id: "SrdProfile" },
);

/** `GET /api/radio`: the settings plus everything read-only the UI needs to explain them. */
export const RadioViewSchema = Type.Object(
  {
    ...RadioSettingsSchema.properties,
    frequency_hz_step: Type.Integer({ description: "Grid that frequency_hz snaps to" }),
    occupied_bandwidth_hz: Type.Integer({ description: "Bandwidth the active modem occupies" }),
    duty_cycle_max_ppm: Type.Integer({ description: "Active profile's limit, ppm of the sliding hour" }),
    duty_cycle_used_ppm: Type.Number({ description: "Air time used in the last 3600 s (1 s buckets), ppm" }),
    duty_cycle_window_s: Type.Integer(),
    flarm_avoidance_hz: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }),
    srd_profiles: Type.Array(SrdProfileSchema),
    lbt: Type.Optional(
      Type.Object(
        {
          deferred: Type.Integer({ minimum: 0, description: "Frames that waited for a busy channel" }),
          dropped: Type.Integer({ minimum: 0, description: "Frames dropped after the bounded wait" }),
        },
        { description: "Listen before talk (sx1262 radio only): counters since start" },
      ),
    ),
  },
  { $id: "RadioView" },
);
export type RadioView = Static<typeof RadioViewSchema>;

export const DEFAULT_RADIO_SETTINGS: RadioSettings = {
  modem_backend: "gfsk",
  srd_profile_id: DEFAULT_SRD_PROFILE_ID,
  frequency_hz: 869_525_000,
  tx_power_dbm: 14,
  duty_cycle_lab_override: false,
};

/** The `radio` settings namespace; the radio service persists into it, `/api/radio` reads it. */
export const RADIO_NAMESPACE = defineNamespace("radio", RadioSettingsSchema, DEFAULT_RADIO_SETTINGS);

export interface SettingsDetail {
  field: string;
  message: string;
}

export type RadioValidation =
  | {
      ok: true;
      settings: RadioSettings;
      /** Set when the requested frequency was off the grid and moved to the nearest step. */
      snapped: { requested_hz: number; frequency_hz: number } | null;
    }
  | { ok: false; details: SettingsDetail[] };

const mhz = (hz: number) => `${(hz / 1e6).toFixed(3)} MHz`;

/**
 * Checks a patch against the current settings (PATCH semantics: absent fields keep their value) and
 * returns the complete new settings or every reason it cannot be applied. Refuses: unknown fields or
 * types, an unknown profile, a modem the profile does not allow, power over the profile's cap or the
 * radio's range, and a frequency (after snapping to the grid) whose occupied bandwidth leaves the
 * profile's segment or touches the FLARM avoidance band. Changing the modem or profile re-checks the
 * current frequency too.
 */
export function validateRadioSettings(
  patch: unknown,
  current: RadioSettings = DEFAULT_RADIO_SETTINGS,
): RadioValidation {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return { ok: false, details: [{ field: "/", message: "radio settings must be a JSON object" }] };
  }
  if (!Value.Check(RadioSettingsPatchSchema, patch)) {
    return { ok: false, details: schemaDetails(patch) };
  }
  const merged: RadioSettings = { ...current, ...patch };
  const details: SettingsDetail[] = [];

  const profile = findSrdProfile(merged.srd_profile_id);
  if (!profile) {
    details.push({
      field: "/srd_profile_id",
      message: `unknown SRD profile "${merged.srd_profile_id}"; known: ${SRD_PROFILES.map((p) => p.id).join(", ")}`,
    });
    return { ok: false, details };
  }
  if (!profile.modems.includes(merged.modem_backend)) {
    details.push({
      field: "/modem_backend",
      message: `profile ${profile.id} does not allow the ${merged.modem_backend} modem (allowed: ${profile.modems.join(", ")})`,
    });
  }
  if (merged.tx_power_dbm > profile.power_cap_dbm) {
    details.push({
      field: "/tx_power_dbm",
      message: `${merged.tx_power_dbm} dBm is over the ${profile.power_cap_dbm} dBm e.r.p. cap of profile ${profile.id}`,
    });
  }

  const step = FREQUENCY_STEP_HZ[merged.modem_backend];
  const requested = merged.frequency_hz;
  const snappedHz = Math.round(requested / step) * step;
  merged.frequency_hz = snappedHz;
  details.push(...frequencyProblems(snappedHz, merged.modem_backend, profile));

  if (details.length > 0) return { ok: false, details };
  return {
    ok: true,
    settings: merged,
    snapped: snappedHz !== requested ? { requested_hz: requested, frequency_hz: snappedHz } : null,
  };
}

/** Why a centre frequency is not usable with this modem and profile (empty when it is). */
export function frequencyProblems(
  frequency_hz: number,
  modem: ModemBackend,
  profile: SrdProfile,
): SettingsDetail[] {
  const half = occupiedBandwidthHz(MODEM_PRESETS[modem]) / 2;
  const lo = frequency_hz - half;
  const hi = frequency_hz + half;
  const out: SettingsDetail[] = [];
  const [flo, fhi] = FLARM_AVOIDANCE_HZ;
  if (lo < fhi && hi > flo) {
    out.push({
      field: "/frequency_hz",
      message: `${mhz(frequency_hz)} (±${(half / 1000).toFixed(1)} kHz with ${modem}) overlaps the FLARM avoidance band ${mhz(flo)}–${mhz(fhi)}`,
    });
  }
  const [slo, shi] = profile.segment_hz;
  if (lo < slo || hi > shi) {
    out.push({
      field: "/frequency_hz",
      message: `${mhz(frequency_hz)} (±${(half / 1000).toFixed(1)} kHz with ${modem}) does not fit in profile ${profile.id} (${mhz(slo)}–${mhz(shi)})`,
    });
  }
  return out;
}

function schemaDetails(patch: unknown): SettingsDetail[] {
  const seen = new Set<string>();
  const out: SettingsDetail[] = [];
  for (const e of Value.Errors(RadioSettingsPatchSchema, patch)) {
    if (e.keyword === "boolean") continue; // the "additionalProperties" entry below says it better
    let field = e.instancePath || "/";
    let message = e.message;
    if (e.keyword === "additionalProperties") {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      field = `/${extra[0] ?? ""}`;
      message = `unknown field(s): ${extra.join(", ")}`;
    }
    if (e.keyword === "anyOf" || e.keyword === "enum")
      message = `must be one of: ${MODEM_BACKENDS.join(", ")}`;
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message });
  }
  return out;
}

/** The full read view of the radio settings. */
export function radioView(settings: RadioSettings, duty_cycle_used_ppm: number): RadioView {
  const profile = findSrdProfile(settings.srd_profile_id);
  return {
    ...settings,
    frequency_hz_step: FREQUENCY_STEP_HZ[settings.modem_backend],
    occupied_bandwidth_hz: occupiedBandwidthHz(MODEM_PRESETS[settings.modem_backend]),
    duty_cycle_max_ppm: profile?.duty_cycle_max_ppm ?? 0,
    duty_cycle_used_ppm: Math.round(duty_cycle_used_ppm * 10) / 10,
    duty_cycle_window_s: 3600,
    flarm_avoidance_hz: [...FLARM_AVOIDANCE_HZ],
    srd_profiles: SRD_PROFILES.map((p) => ({ ...p, segment_hz: [...p.segment_hz], modems: [...p.modems] })),
  };
}
