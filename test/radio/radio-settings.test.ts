import { describe, expect, it } from "vitest";
import {
  DEFAULT_RADIO_SETTINGS,
  RadioSettingsPatchSchema,
  radioView,
  validateRadioSettings,
} from "../../src/radio/radio-settings.js";
import { FLARM_AVOIDANCE_HZ, SRD_PROFILES } from "../../src/radio/srd-profiles.js";

function refused(patch: unknown, current = DEFAULT_RADIO_SETTINGS) {
  const r = validateRadioSettings(patch, current);
  if (r.ok) throw new Error(`expected refusal for ${JSON.stringify(patch)}`);
  return r.details;
}

describe("SRD profiles", () => {
  it("cover the EU 863–870 MHz sub-bands with their duty limits and power caps", () => {
    const byId = Object.fromEntries(SRD_PROFILES.map((p) => [p.id, p]));
    expect(byId["eu868-h1.4"]).toMatchObject({ segment_hz: [865e6, 868e6], duty_cycle_max_ppm: 10_000 });
    expect(byId["eu868-h1.6"]).toMatchObject({ segment_hz: [868.7e6, 869.2e6], duty_cycle_max_ppm: 1_000 });
    expect(byId["eu868-h1.7"]).toMatchObject({
      segment_hz: [869.4e6, 869.65e6],
      duty_cycle_max_ppm: 100_000,
      power_cap_dbm: 27,
    });
    for (const p of SRD_PROFILES) {
      expect(p.segment_hz[0]).toBeGreaterThanOrEqual(863e6);
      expect(p.segment_hz[1]).toBeLessThanOrEqual(870e6);
    }
    // Both FLARM channels (868.2 and 868.4 MHz) lie inside the avoidance band.
    expect(FLARM_AVOIDANCE_HZ[0]).toBeLessThan(868.2e6);
    expect(FLARM_AVOIDANCE_HZ[1]).toBeGreaterThan(868.4e6);
  });
});

describe("validateRadioSettings", () => {
  it("accepts the defaults and a valid change, reporting no snap when on the grid", () => {
    expect(validateRadioSettings({}, DEFAULT_RADIO_SETTINGS)).toEqual({
      ok: true,
      settings: DEFAULT_RADIO_SETTINGS,
      snapped: null,
    });
    const r = validateRadioSettings({
      srd_profile_id: "eu868-h1.4",
      frequency_hz: 866_000_000,
      tx_power_dbm: 10,
    });
    expect(r).toEqual({
      ok: true,
      settings: {
        ...DEFAULT_RADIO_SETTINGS,
        srd_profile_id: "eu868-h1.4",
        frequency_hz: 866_000_000,
        tx_power_dbm: 10,
      },
      snapped: null,
    });
  });

  it("snaps an off-grid frequency to the nearest 25 kHz step and says so", () => {
    const r = validateRadioSettings({ frequency_hz: 869_512_600 });
    expect(r).toMatchObject({
      ok: true,
      settings: { frequency_hz: 869_525_000 },
      snapped: { requested_hz: 869_512_600, frequency_hz: 869_525_000 },
    });
  });

  it("refuses a frequency overlapping the FLARM band, even inside a profile that contains it", () => {
    const d = refused({ srd_profile_id: "eu868-h1.5", frequency_hz: 868_300_000 });
    expect(d).toEqual([{ field: "/frequency_hz", message: expect.stringMatching(/FLARM avoidance band/) }]);
    // Just touching: 100 kHz occupied, centred 50 kHz below the band edge, is fine.
    expect(validateRadioSettings({ srd_profile_id: "eu868-h1.5", frequency_hz: 868_050_000 }).ok).toBe(true);
    // ...but 25 kHz closer overlaps.
    expect(refused({ srd_profile_id: "eu868-h1.5", frequency_hz: 868_075_000 })[0]?.message).toMatch(/FLARM/);
  });

  it("refuses a frequency whose occupied bandwidth leaves the profile's segment", () => {
    // 869.625 MHz ± 50 kHz reaches 869.675 MHz, past the 869.65 MHz edge of h1.7.
    const d = refused({ frequency_hz: 869_625_000 });
    expect(d).toEqual([
      { field: "/frequency_hz", message: expect.stringMatching(/does not fit in profile eu868-h1.7/) },
    ]);
    // LoRa occupies 125 kHz, so 869.45 MHz fits GFSK but not LoRa.
    expect(validateRadioSettings({ frequency_hz: 869_450_000 }).ok).toBe(true);
    expect(refused({ frequency_hz: 869_450_000, modem_backend: "lora" })[0]?.field).toBe("/frequency_hz");
  });

  it("re-checks the current frequency when only the profile or modem changes", () => {
    const d = refused({ srd_profile_id: "eu868-h1.4" });
    expect(d[0]).toEqual({ field: "/frequency_hz", message: expect.stringMatching(/eu868-h1.4/) });
  });

  it("refuses power over the profile cap, and outside the radio's range via the schema", () => {
    expect(refused({ srd_profile_id: "eu868-h1.4", frequency_hz: 866e6, tx_power_dbm: 20 })).toEqual([
      {
        field: "/tx_power_dbm",
        message: expect.stringMatching(/over the 14 dBm e.r.p. cap of profile eu868-h1.4/),
      },
    ]);
    expect(validateRadioSettings({ tx_power_dbm: 20 }).ok).toBe(true); // h1.7 allows 27 dBm e.r.p.
    expect(refused({ tx_power_dbm: 23 })).toEqual([{ field: "/tx_power_dbm", message: "must be <= 22" }]);
  });

  it("refuses unknown profiles, unknown modems, unknown fields, wrong types, non-objects", () => {
    expect(refused({ srd_profile_id: "us915" })[0]).toEqual({
      field: "/srd_profile_id",
      message: expect.stringMatching(/unknown SRD profile "us915"; known: eu868-h1.3/),
    });
    expect(refused({ modem_backend: "fsk" })).toEqual([
      { field: "/modem_backend", message: "must be one of: gfsk, lora" },
    ]);
    expect(refused({ frequency: 868e6 })).toEqual([
      { field: "/frequency", message: "unknown field(s): frequency" },
    ]);
    expect(refused({ frequency_hz: "869525000" })[0]?.field).toBe("/frequency_hz");
    expect(refused({ frequency_hz: 869_525_000.5 })[0]?.field).toBe("/frequency_hz");
    expect(refused({ duty_cycle_lab_override: "yes" })[0]?.field).toBe("/duty_cycle_lab_override");
    expect(refused(null)).toEqual([{ field: "/", message: "radio settings must be a JSON object" }]);
    expect(refused([1])[0]?.field).toBe("/");
  });

  it("reports every problem at once", () => {
    const d = refused({ srd_profile_id: "eu868-h1.6", frequency_hz: 868_300_000, tx_power_dbm: 20 });
    expect(d.map((x) => x.field).sort()).toEqual(["/frequency_hz", "/frequency_hz", "/tx_power_dbm"]);
  });

  it("never changes the current settings object", () => {
    const current = { ...DEFAULT_RADIO_SETTINGS };
    validateRadioSettings({ frequency_hz: 869_512_600, tx_power_dbm: 5 }, current);
    refused({ tx_power_dbm: 99 }, current);
    expect(current).toEqual(DEFAULT_RADIO_SETTINGS);
  });

  it("has a patch schema with every field optional and nothing else allowed", () => {
    expect(RadioSettingsPatchSchema.required ?? []).toEqual([]);
    expect((RadioSettingsPatchSchema as { additionalProperties?: unknown }).additionalProperties).toBe(false);
  });

  it("view shows the settings with the read-only facts", () => {
    const v = radioView(DEFAULT_RADIO_SETTINGS, 1234.56);
    expect(v).toMatchObject({
      ...DEFAULT_RADIO_SETTINGS,
      frequency_hz_step: 25_000,
      occupied_bandwidth_hz: 100_000,
      duty_cycle_max_ppm: 100_000,
      duty_cycle_used_ppm: 1234.6,
      duty_cycle_window_s: 3600,
    });
    expect(v.srd_profiles).toHaveLength(SRD_PROFILES.length);
  });
});
