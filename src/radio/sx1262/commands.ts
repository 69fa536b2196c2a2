/**
 * The SX1262's SPI command set as bytes: opcodes, parameter encodings and the formulas behind them,
 * from Semtech's SX1261/2 datasheet (rev. 2.1, chapters 11–13). Pure functions only, so the driver
 * and the chip model in the tests share one spelling of every command and the tests can check each
 * encoding against the datasheet's formula on its own.
 */

export const OP = {
  SET_SLEEP: 0x84,
  SET_STANDBY: 0x80,
  SET_FS: 0xc1,
  SET_TX: 0x83,
  SET_RX: 0x82,
  SET_CAD: 0xc5,
  SET_REGULATOR_MODE: 0x96,
  CALIBRATE: 0x89,
  CALIBRATE_IMAGE: 0x98,
  SET_PA_CONFIG: 0x95,
  WRITE_REGISTER: 0x0d,
  READ_REGISTER: 0x1d,
  WRITE_BUFFER: 0x0e,
  READ_BUFFER: 0x1e,
  SET_DIO_IRQ_PARAMS: 0x08,
  GET_IRQ_STATUS: 0x12,
  CLEAR_IRQ_STATUS: 0x02,
  SET_DIO2_AS_RF_SWITCH_CTRL: 0x9d,
  SET_DIO3_AS_TCXO_CTRL: 0x97,
  SET_RF_FREQUENCY: 0x86,
  SET_PACKET_TYPE: 0x8a,
  GET_PACKET_TYPE: 0x11,
  SET_TX_PARAMS: 0x8e,
  SET_MODULATION_PARAMS: 0x8b,
  SET_PACKET_PARAMS: 0x8c,
  SET_CAD_PARAMS: 0x88,
  SET_BUFFER_BASE_ADDRESS: 0x8f,
  GET_STATUS: 0xc0,
  GET_RSSI_INST: 0x15,
  GET_RX_BUFFER_STATUS: 0x13,
  GET_PACKET_STATUS: 0x14,
  GET_DEVICE_ERRORS: 0x17,
  CLEAR_DEVICE_ERRORS: 0x07,
} as const;

/** Registers OWTS writes (datasheet table 12-1). */
export const REG = {
  /** GFSK CRC initial value, 2 bytes. */
  CRC_INITIAL: 0x06bc,
  /** GFSK CRC polynomial, 2 bytes. */
  CRC_POLYNOMIAL: 0x06be,
  /** GFSK sync word, up to 8 bytes. */
  SYNC_WORD: 0x06c0,
  /** LoRa sync word, 2 bytes. */
  LORA_SYNC_WORD: 0x0740,
  /** TX clamp configuration (datasheet 15.2: better PA resistance to antenna mismatch). */
  TX_CLAMP_CONFIG: 0x08d8,
} as const;

/** The crystal (or TCXO) the PLL and bit-rate dividers run from. */
export const XTAL_HZ = 32_000_000;
/** The chip's data buffer is 256 bytes; a packet is at most 255 (the length field is one byte). */
export const MAX_PAYLOAD = 255;

/** IRQ bits (datasheet table 13-29). */
export const IRQ = {
  TX_DONE: 1 << 0,
  RX_DONE: 1 << 1,
  PREAMBLE_DETECTED: 1 << 2,
  SYNC_WORD_VALID: 1 << 3,
  HEADER_VALID: 1 << 4,
  HEADER_ERR: 1 << 5,
  CRC_ERR: 1 << 6,
  CAD_DONE: 1 << 7,
  CAD_DETECTED: 1 << 8,
  TIMEOUT: 1 << 9,
  ALL: 0x03ff,
} as const;

/** What OWTS routes to DIO1: everything the driver waits for. */
export const IRQ_USED =
  IRQ.TX_DONE | IRQ.RX_DONE | IRQ.HEADER_ERR | IRQ.CRC_ERR | IRQ.CAD_DONE | IRQ.CAD_DETECTED | IRQ.TIMEOUT;

/** GetDeviceErrors bits (datasheet table 13-85), with the words a user sees. */
export const DEVICE_ERRORS: readonly [bit: number, words: string][] = [
  [1 << 0, "RC64k calibration failed"],
  [1 << 1, "RC13M calibration failed"],
  [1 << 2, "PLL calibration failed"],
  [1 << 3, "ADC calibration failed"],
  [1 << 4, "image calibration failed"],
  [1 << 5, "crystal oscillator (XOSC/TCXO) did not start"],
  [1 << 6, "PLL did not lock"],
  [1 << 8, "PA ramping failed"],
];

export const XOSC_START_ERR = 1 << 5;

export function describeDeviceErrors(mask: number): string {
  const words = DEVICE_ERRORS.filter(([bit]) => (mask & bit) !== 0).map(([, w]) => w);
  return words.length > 0 ? words.join(", ") : "none";
}

/** Chip mode in bits 6:4 of the status byte (datasheet table 13-76). */
export const CHIP_MODE = { STBY_RC: 2, STBY_XOSC: 3, FS: 4, RX: 5, TX: 6 } as const;
/** Command status in bits 3:1 of the status byte. */
export const CMD_STATUS = {
  DATA_AVAILABLE: 2,
  TIMEOUT: 3,
  PROCESSING_ERROR: 4,
  EXEC_FAILURE: 5,
  TX_DONE: 6,
} as const;

export interface ChipStatus {
  mode: number;
  command: number;
}

export function decodeStatus(b: number): ChipStatus {
  return { mode: (b >> 4) & 0x7, command: (b >> 1) & 0x7 };
}

export function encodeStatus(s: ChipStatus): number {
  return ((s.mode & 0x7) << 4) | ((s.command & 0x7) << 1);
}

/** SetStandby argument. */
export const STANDBY = { RC: 0x00, XOSC: 0x01 } as const;
export const PACKET_TYPE = { GFSK: 0x00, LORA: 0x01 } as const;
export const REGULATOR = { LDO: 0x00, DCDC: 0x01 } as const;
/** Calibrate every block: RC64k, RC13M, PLL, ADC pulse, ADC bulk N/P, image (datasheet 13.1.12). */
export const CALIBRATE_ALL = 0x7f;
/** SetRx timeout meaning "stay in RX until told otherwise" (continuous mode). */
export const RX_CONTINUOUS = 0xffffff;
/** Timer step of SetTx/SetRx/TCXO delay: 15.625 µs. */
export const TIMER_STEP_MS = 0.015_625;

function u24(v: number): number[] {
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Datasheet 13.4.1: RfFreq = f_RF · 2^25 / F_XTAL (a PLL step of about 0.95 Hz). */
export function rfFrequencyWord(frequency_hz: number): number {
  return Math.round((frequency_hz * 2 ** 25) / XTAL_HZ);
}

/** The frequency the chip really tunes to for a PLL word. */
export function frequencyFromWord(word: number): number {
  return (word * XTAL_HZ) / 2 ** 25;
}

/** Datasheet 13.4.5: BR = 32 · F_XTAL / bit rate (24 bits). */
export function bitrateWord(bitrate_bps: number): number {
  return Math.round((32 * XTAL_HZ) / bitrate_bps);
}

export function bitrateFromWord(word: number): number {
  return (32 * XTAL_HZ) / word;
}

/** Datasheet 13.4.5: Fdev = f_dev · 2^25 / F_XTAL (24 bits). */
export function fdevWord(fdev_hz: number): number {
  return Math.round((fdev_hz * 2 ** 25) / XTAL_HZ);
}

/** GFSK receiver bandwidths the chip offers and their codes (datasheet table 13-45). */
export const GFSK_RX_BW: readonly [hz: number, code: number][] = [
  [4_800, 0x1f],
  [5_800, 0x17],
  [7_300, 0x0f],
  [9_700, 0x1e],
  [11_700, 0x16],
  [14_600, 0x0e],
  [19_500, 0x1d],
  [23_400, 0x15],
  [29_300, 0x0d],
  [39_000, 0x1c],
  [46_900, 0x14],
  [58_600, 0x0c],
  [78_200, 0x1b],
  [93_800, 0x13],
  [117_300, 0x0b],
  [156_200, 0x1a],
  [187_200, 0x12],
  [234_300, 0x0a],
  [312_000, 0x19],
  [373_600, 0x11],
  [467_000, 0x09],
];

/** LoRa bandwidths and their codes (datasheet table 13-48). */
export const LORA_BW: readonly [hz: number, code: number][] = [
  [7_810, 0x00],
  [10_420, 0x08],
  [15_630, 0x01],
  [20_830, 0x09],
  [31_250, 0x02],
  [41_670, 0x0a],
  [62_500, 0x03],
  [125_000, 0x04],
  [250_000, 0x05],
  [500_000, 0x06],
];

/** DIO3 TCXO supply voltages the chip can give (datasheet table 13-35), volts → code. */
export const TCXO_VOLTAGES: readonly [volts: number, code: number][] = [
  [1.6, 0x00],
  [1.7, 0x01],
  [1.8, 0x02],
  [2.2, 0x03],
  [2.4, 0x04],
  [2.7, 0x05],
  [3.0, 0x06],
  [3.3, 0x07],
];

/** Gaussian filter BT 0.5 (datasheet table 13-44), the usual GFSK shaping. */
export const PULSE_SHAPE_BT_0_5 = 0x09;

/** CalibrateImage arguments for 863–870 MHz (datasheet table 9-2). */
export const IMAGE_CAL_863_870: readonly [number, number] = [0xd7, 0xdb];
/** The band the image calibration above covers; the chip is calibrated for 902–928 MHz from reset. */
export const IMAGE_CAL_BAND_HZ: readonly [number, number] = [863_000_000, 870_000_000];
export const IMAGE_CAL_RESET_BAND_HZ: readonly [number, number] = [902_000_000, 928_000_000];

/**
 * The SX1262 high-power PA's optimal settings (datasheet table 13-21): for each output power the
 * PA duty cycle and size, with SetTxParams at +22 dBm. Lower powers use the row at or above the
 * target and lower SetTxParams by the difference (the output follows the power setting dB for dB).
 */
export const HP_PA_TABLE: readonly { max_dbm: number; pa_duty_cycle: number; hp_max: number }[] = [
  { max_dbm: 14, pa_duty_cycle: 0x02, hp_max: 0x02 },
  { max_dbm: 17, pa_duty_cycle: 0x02, hp_max: 0x03 },
  { max_dbm: 20, pa_duty_cycle: 0x03, hp_max: 0x05 },
  { max_dbm: 22, pa_duty_cycle: 0x04, hp_max: 0x07 },
];

/** SetTxParams power range with the high-power PA (datasheet 13.4.4). */
export const HP_POWER_RANGE_DBM: readonly [number, number] = [-9, 22];

export interface PaSetting {
  pa_duty_cycle: number;
  hp_max: number;
  /** SetTxParams power byte (signed). */
  power: number;
  /** What the chip puts out with these settings (nominal, at the chip's RF pin). */
  output_dbm: number;
}

/** PA settings for a chip output of `dbm` (integer, within HP_POWER_RANGE_DBM). */
export function paSettingFor(dbm: number): PaSetting {
  const row = HP_PA_TABLE.find((r) => r.max_dbm >= dbm) ?? HP_PA_TABLE[HP_PA_TABLE.length - 1]!;
  return {
    pa_duty_cycle: row.pa_duty_cycle,
    hp_max: row.hp_max,
    power: 22 - (row.max_dbm - dbm),
    output_dbm: dbm,
  };
}

/** The inverse the chip model uses: nominal output for a PA config and SetTxParams power. */
export function paOutputDbm(pa_duty_cycle: number, hp_max: number, power: number): number | null {
  const row = HP_PA_TABLE.find((r) => r.pa_duty_cycle === pa_duty_cycle && r.hp_max === hp_max);
  return row ? row.max_dbm - (22 - power) : null;
}

/** Ramp time code 0x04 = 200 µs (datasheet table 13-41), Semtech's usual choice. */
export const RAMP_200_US = 0x04;

/** GFSK packet-engine codes (datasheet tables 13-63..13-68). */
export const GFSK = {
  /** Preamble detector length: 0x05 = 16 bits (must not exceed the preamble). */
  PREAMBLE_DETECTOR_16: 0x05,
  ADDR_COMP_OFF: 0x00,
  /** Variable-length packet: the chip sends and checks its own length byte. */
  VARIABLE_LENGTH: 0x01,
  CRC_2_BYTE_INV: 0x06,
  CRC_1_BYTE_INV: 0x04,
  CRC_OFF: 0x01,
  WHITENING_ON: 0x01,
} as const;

/** Datasheet 6.2.3.1: CRC-16 CCITT as the chip computes it for GFSK. */
export const GFSK_CRC_INIT = 0x1d0f;
export const GFSK_CRC_POLY = 0x1021;

/** OWTS's GFSK sync word: "OWTS" in ASCII, so other GFSK systems' packets are not even demodulated. */
export const OWTS_SYNC_WORD: readonly number[] = [0x4f, 0x57, 0x54, 0x53];
/** LoRa private-network sync word (0x1424), not LoRaWAN's public 0x3444: no LoRaWAN gateway forwards us. */
export const LORA_PRIVATE_SYNC_WORD: readonly [number, number] = [0x14, 0x24];

/** LoRa packet codes (datasheet table 13-66..13-70). */
export const LORA = {
  EXPLICIT_HEADER: 0x00,
  IMPLICIT_HEADER: 0x01,
  CRC_ON: 0x01,
  CRC_OFF: 0x00,
  IQ_STANDARD: 0x00,
} as const;

/**
 * CAD for SF7/125 kHz per Semtech AN1200.48: 2 symbols (code 0x01), detection peak 22, minimum 10,
 * CAD only (go back to standby afterwards), no timeout.
 */
export const CAD_SF7: readonly number[] = [0x01, 22, 10, 0x00, 0x00, 0x00, 0x00];
/** CAD length in symbols for a cadSymbolNum code (0x00..0x04 → 1, 2, 4, 8, 16). */
export const CAD_SYMBOLS = [1, 2, 4, 8, 16] as const;

// ---- whole commands (opcode + parameters) ----

export const cmd = {
  setStandby: (mode: number) => [OP.SET_STANDBY, mode],
  setRegulatorMode: (mode: number) => [OP.SET_REGULATOR_MODE, mode],
  /** Delay in 15.625 µs steps; the TCXO must be stable when it ends. */
  setDio3AsTcxoCtrl: (voltageCode: number, delay_ms: number) => [
    OP.SET_DIO3_AS_TCXO_CTRL,
    voltageCode,
    ...u24(Math.ceil(delay_ms / TIMER_STEP_MS)),
  ],
  calibrate: (mask: number) => [OP.CALIBRATE, mask],
  calibrateImage: (f1: number, f2: number) => [OP.CALIBRATE_IMAGE, f1, f2],
  setDio2AsRfSwitchCtrl: (on: boolean) => [OP.SET_DIO2_AS_RF_SWITCH_CTRL, on ? 1 : 0],
  setPacketType: (t: number) => [OP.SET_PACKET_TYPE, t],
  setRfFrequency: (frequency_hz: number) => [OP.SET_RF_FREQUENCY, ...u32(rfFrequencyWord(frequency_hz))],
  /** deviceSel 0x00 = SX1262 (high-power PA), paLut always 0x01. */
  setPaConfig: (paDutyCycle: number, hpMax: number) => [OP.SET_PA_CONFIG, paDutyCycle, hpMax, 0x00, 0x01],
  setTxParams: (power: number, ramp: number) => [OP.SET_TX_PARAMS, power & 0xff, ramp],
  setBufferBaseAddress: (tx: number, rx: number) => [OP.SET_BUFFER_BASE_ADDRESS, tx, rx],
  setDioIrqParams: (irq: number, dio1: number, dio2: number, dio3: number) => [
    OP.SET_DIO_IRQ_PARAMS,
    irq >> 8,
    irq & 0xff,
    dio1 >> 8,
    dio1 & 0xff,
    dio2 >> 8,
    dio2 & 0xff,
    dio3 >> 8,
    dio3 & 0xff,
  ],
  clearIrqStatus: (mask: number) => [OP.CLEAR_IRQ_STATUS, mask >> 8, mask & 0xff],
  writeRegister: (addr: number, data: readonly number[]) => [
    OP.WRITE_REGISTER,
    addr >> 8,
    addr & 0xff,
    ...data,
  ],
  writeBuffer: (offset: number, data: Uint8Array | readonly number[]) => [OP.WRITE_BUFFER, offset, ...data],
  /** Timeout in 15.625 µs steps (0 = none). */
  setTx: (timeout_ms: number) => [
    OP.SET_TX,
    ...u24(Math.min(0xfffffe, Math.ceil(timeout_ms / TIMER_STEP_MS))),
  ],
  setRxContinuous: () => [OP.SET_RX, ...u24(RX_CONTINUOUS)],
  setCad: () => [OP.SET_CAD],
  setCadParams: (p: readonly number[]) => [OP.SET_CAD_PARAMS, ...p],
  clearDeviceErrors: () => [OP.CLEAR_DEVICE_ERRORS, 0x00, 0x00],
  gfskModulation: (bitrate_bps: number, pulseShape: number, bwCode: number, fdev_hz: number) => [
    OP.SET_MODULATION_PARAMS,
    ...u24(bitrateWord(bitrate_bps)),
    pulseShape,
    bwCode,
    ...u24(fdevWord(fdev_hz)),
  ],
  loraModulation: (sf: number, bwCode: number, cr: number, ldro: boolean) => [
    OP.SET_MODULATION_PARAMS,
    sf,
    bwCode,
    cr,
    ldro ? 1 : 0,
  ],
  gfskPacket: (p: {
    preamble_bits: number;
    detector: number;
    sync_bits: number;
    variable: boolean;
    payload: number;
    crc: number;
    whitening: boolean;
  }) => [
    OP.SET_PACKET_PARAMS,
    p.preamble_bits >> 8,
    p.preamble_bits & 0xff,
    p.detector,
    p.sync_bits,
    GFSK.ADDR_COMP_OFF,
    p.variable ? GFSK.VARIABLE_LENGTH : 0x00,
    p.payload,
    p.crc,
    p.whitening ? 1 : 0,
  ],
  loraPacket: (p: { preamble: number; explicit: boolean; payload: number; crc: boolean }) => [
    OP.SET_PACKET_PARAMS,
    p.preamble >> 8,
    p.preamble & 0xff,
    p.explicit ? LORA.EXPLICIT_HEADER : LORA.IMPLICIT_HEADER,
    p.payload,
    p.crc ? LORA.CRC_ON : LORA.CRC_OFF,
    LORA.IQ_STANDARD,
  ],
} as const;

/**
 * Read commands: opcode and data length. On the wire each is [opcode, NOP, NOP × len]; the chip answers
 * [RFU, status, data × len] (datasheet 13.5).
 */
export const READS = {
  getStatus: { op: OP.GET_STATUS, len: 0 },
  getIrqStatus: { op: OP.GET_IRQ_STATUS, len: 2 },
  getRxBufferStatus: { op: OP.GET_RX_BUFFER_STATUS, len: 2 },
  getPacketStatus: { op: OP.GET_PACKET_STATUS, len: 3 },
  getRssiInst: { op: OP.GET_RSSI_INST, len: 1 },
  getDeviceErrors: { op: OP.GET_DEVICE_ERRORS, len: 2 },
  getPacketType: { op: OP.GET_PACKET_TYPE, len: 1 },
} as const;

/** Datasheet 13.5.3/13.5.4: RSSI bytes are −value/2 dBm; LoRa SNR is a signed byte /4 dB. */
export function rssiFromByte(b: number): number {
  return -b / 2;
}

export function rssiToByte(dbm: number): number {
  return Math.max(0, Math.min(255, Math.round(-dbm * 2)));
}

export function snrFromByte(b: number): number {
  return ((b << 24) >> 24) / 4;
}

export function snrToByte(db: number): number {
  return Math.max(-128, Math.min(127, Math.round(db * 4))) & 0xff;
}
