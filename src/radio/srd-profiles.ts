import type { ModemBackend } from "./modem.js";

/**
 * EU 863–870 MHz non-specific short-range-device sub-bands, per ERC Recommendation 70-03 Annex 1 and
 * Commission Decision 2006/771/EC as amended (EN 300 220-2 bands K, L, M, N, P, Q). Limits are the
 * "duty cycle" alternatives; a device using listen-before-talk with adaptive frequency agility may do
 * more, but OWTS does not claim that. Power caps are e.r.p.; OWTS treats `tx_power_dbm` as e.r.p. (an
 * antenna of about 0 dBd gain, like the Heltec board's whip) so the cap applies to it directly.
 * Duty limits are in parts per million of the sliding hour (1 % = 10 000 ppm).
 */
export interface SrdProfile {
  id: string;
  label: string;
  /** Sub-band edges in Hz: the whole occupied bandwidth must lie inside [lo, hi]. */
  segment_hz: [number, number];
  duty_cycle_max_ppm: number;
  /** Maximum e.r.p. in dBm (25 mW ≈ 14 dBm, 500 mW ≈ 27 dBm, 5 mW ≈ 7 dBm). */
  power_cap_dbm: number;
  modems: ModemBackend[];
}

const BOTH: ModemBackend[] = ["gfsk", "lora"];

export const SRD_PROFILES: readonly SrdProfile[] = [
  {
    id: "eu868-h1.3",
    label: "EU 863–865 MHz (ERC 70-03 h1.3), 25 mW e.r.p., 0.1 % duty",
    segment_hz: [863_000_000, 865_000_000],
    duty_cycle_max_ppm: 1_000,
    power_cap_dbm: 14,
    modems: BOTH,
  },
  {
    id: "eu868-h1.4",
    label: "EU 865–868 MHz (ERC 70-03 h1.4), 25 mW e.r.p., 1 % duty",
    segment_hz: [865_000_000, 868_000_000],
    duty_cycle_max_ppm: 10_000,
    power_cap_dbm: 14,
    modems: BOTH,
  },
  {
    id: "eu868-h1.5",
    label:
      "EU 868.0–868.6 MHz (ERC 70-03 h1.5), 25 mW e.r.p., 1 % duty — mostly taken by the FLARM avoidance band",
    segment_hz: [868_000_000, 868_600_000],
    duty_cycle_max_ppm: 10_000,
    power_cap_dbm: 14,
    modems: BOTH,
  },
  {
    id: "eu868-h1.6",
    label: "EU 868.7–869.2 MHz (ERC 70-03 h1.6), 25 mW e.r.p., 0.1 % duty",
    segment_hz: [868_700_000, 869_200_000],
    duty_cycle_max_ppm: 1_000,
    power_cap_dbm: 14,
    modems: BOTH,
  },
  {
    id: "eu868-h1.7",
    label: "EU 869.40–869.65 MHz (ERC 70-03 h1.7), 500 mW e.r.p., 10 % duty",
    segment_hz: [869_400_000, 869_650_000],
    duty_cycle_max_ppm: 100_000,
    power_cap_dbm: 27,
    modems: BOTH,
  },
  {
    id: "eu868-h1.8",
    label: "EU 869.7–870.0 MHz (ERC 70-03 h1.8), 25 mW e.r.p., 1 % duty",
    segment_hz: [869_700_000, 870_000_000],
    duty_cycle_max_ppm: 10_000,
    power_cap_dbm: 14,
    modems: BOTH,
  },
  {
    id: "eu868-h1.8-5mw",
    label: "EU 869.7–870.0 MHz (ERC 70-03 h1.8), 5 mW e.r.p., no duty limit",
    segment_hz: [869_700_000, 870_000_000],
    duty_cycle_max_ppm: 1_000_000,
    power_cap_dbm: 7,
    modems: BOTH,
  },
];

export const DEFAULT_SRD_PROFILE_ID = "eu868-h1.7";

/**
 * FLARM (and OGN trackers) use two channels in Europe, 868.2 and 868.4 MHz, 200 kHz apart. The band
 * kept clear spans both channels with half the channel spacing either side; a frequency whose
 * occupied bandwidth overlaps it is refused, because a winch link there would blind the collision
 * warning of every glider around the airfield.
 */
export const FLARM_AVOIDANCE_HZ: readonly [number, number] = [868_100_000, 868_500_000];

/** The SX1262's programmable output power range; the profile cap may be lower. */
export const TX_POWER_HW_RANGE_DBM: readonly [number, number] = [-9, 22];

export function findSrdProfile(id: string): SrdProfile | undefined {
  return SRD_PROFILES.find((p) => p.id === id);
}
