/**
 * Modem settings and air time. Like the firmware (where the modem is a compile-time choice with its
 * parameters in a header), the parameters are fixed presets; only the backend is a setting.
 */

export const MODEM_BACKENDS = ["gfsk", "lora"] as const;
export type ModemBackend = (typeof MODEM_BACKENDS)[number];

export interface GfskParams {
  kind: "gfsk";
  bitrate_bps: number;
  /** Frequency deviation; with the bit rate it sets the occupied bandwidth (Carson's rule). */
  fdev_hz: number;
  preamble_bits: number;
  sync_word_bytes: number;
  /** 1 when the packet engine sends its own length byte (variable-length mode), else 0. */
  length_field_bytes: 0 | 1;
  crc_bytes: 0 | 1 | 2;
  /** Receiver noise bandwidth (an SX1262 RX bandwidth setting). */
  rx_bandwidth_hz: number;
  /** SNR needed to demodulate (GFSK needs a positive SNR, unlike LoRa). */
  required_snr_db: number;
}

export interface LoraParams {
  kind: "lora";
  spreading_factor: 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;
  bandwidth_hz: 7_810 | 10_420 | 15_630 | 20_830 | 31_250 | 41_670 | 62_500 | 125_000 | 250_000 | 500_000;
  /** 1..4 for coding rates 4/5..4/8. */
  coding_rate: 1 | 2 | 3 | 4;
  preamble_symbols: number;
  explicit_header: boolean;
  crc: boolean;
  /** "auto" turns low-data-rate optimisation on when a symbol lasts 16 ms or more (Semtech's rule). */
  low_data_rate_optimize: boolean | "auto";
  /** Demodulation floor: about -2.5 dB per SF step, -7.5 dB at SF7 (SX1262 datasheet). */
  required_snr_db: number;
}

export type ModemParams = GfskParams | LoraParams;

/**
 * GFSK preset: 50 kbit/s, ±25 kHz deviation (occupied ≈ 100 kHz), 32-bit preamble, 4-byte sync word,
 * fixed-length packets (our frame carries its own length byte), CRC-16. A delta frame (15 bytes) takes
 * 4.0 ms on air and a full frame (35 bytes for "D-1234"/"ASK 21") 7.2 ms, so 5 frames/s with a full
 * frame every 2 s use about 2.2 % of the time: fine in the 10 % sub-band, over budget in a 1 % one
 * after roughly 27 minutes of continuous flight.
 */
export const GFSK_PRESET: GfskParams = {
  kind: "gfsk",
  bitrate_bps: 50_000,
  fdev_hz: 25_000,
  preamble_bits: 32,
  sync_word_bytes: 4,
  length_field_bytes: 0,
  crc_bytes: 2,
  rx_bandwidth_hz: 117_300,
  required_snr_db: 10,
};

/**
 * LoRa preset: SF7, 125 kHz, CR 4/5, 8-symbol preamble, explicit header, CRC on. A delta frame takes
 * 46.3 ms and a full frame 77.1 ms: at 5 frames/s that is ~25 % of the time, so even in the 10 %
 * sub-band the duty limit stops frames once a flight has used its budget. That is the price LoRa
 * pays for range; lower the transmit rate for long flights with LoRa.
 */
export const LORA_PRESET: LoraParams = {
  kind: "lora",
  spreading_factor: 7,
  bandwidth_hz: 125_000,
  coding_rate: 1,
  preamble_symbols: 8,
  explicit_header: true,
  crc: true,
  low_data_rate_optimize: "auto",
  required_snr_db: -7.5,
};

export const MODEM_PRESETS: Record<ModemBackend, ModemParams> = { gfsk: GFSK_PRESET, lora: LORA_PRESET };

/** Bandwidth the signal occupies: Carson's rule for GFSK, the LoRa bandwidth for LoRa. */
export function occupiedBandwidthHz(m: ModemParams): number {
  return m.kind === "gfsk" ? 2 * (m.fdev_hz + m.bitrate_bps / 2) : m.bandwidth_hz;
}

/** Bandwidth the receiver integrates noise over (for the SNR model). */
export function noiseBandwidthHz(m: ModemParams): number {
  return m.kind === "gfsk" ? m.rx_bandwidth_hz : m.bandwidth_hz;
}

/** Whether LoRa low-data-rate optimisation is on for these parameters. */
export function lowDataRateOptimize(m: LoraParams): boolean {
  if (m.low_data_rate_optimize !== "auto") return m.low_data_rate_optimize;
  return (2 ** m.spreading_factor / m.bandwidth_hz) * 1000 >= 16;
}

/**
 * Time on air in milliseconds for a payload of `bytes` bytes (the whole frame handed to the radio).
 *
 * GFSK: every bit at the bit rate — preamble, sync word, optional length byte, payload, CRC.
 * LoRa: the SX126x datasheet formula (same as Semtech AN1200.13 for SF7..12):
 *   Tsym = 2^SF / BW
 *   Nsym = Npreamble + 4.25 + 8 + ceil(max(8·PL + 16·CRC − 4·SF + 8 + 20·explicitHeader, 0) / (4·(SF − 2·LDRO))) · (CR + 4)
 * and for SF5/SF6: + 6.25 instead of + 4.25 and no "+ 8" inside the ceiling.
 */
export function airtimeMs(m: ModemParams, bytes: number): number {
  if (m.kind === "gfsk") {
    const bits = m.preamble_bits + 8 * (m.sync_word_bytes + m.length_field_bytes + bytes + m.crc_bytes);
    return (bits / m.bitrate_bps) * 1000;
  }
  const sf = m.spreading_factor;
  const tsymMs = (2 ** sf / m.bandwidth_hz) * 1000;
  const small = sf <= 6;
  const ldro = !small && lowDataRateOptimize(m);
  const num = 8 * bytes + (m.crc ? 16 : 0) - 4 * sf + (small ? 0 : 8) + (m.explicit_header ? 20 : 0);
  const payloadSymbols = 8 + Math.ceil(Math.max(num, 0) / (4 * (sf - (ldro ? 2 : 0)))) * (m.coding_rate + 4);
  const preambleSymbols = m.preamble_symbols + (small ? 6.25 : 4.25);
  return (preambleSymbols + payloadSymbols) * tsymMs;
}
