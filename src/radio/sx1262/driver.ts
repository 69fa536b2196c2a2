import { airtimeMs, lowDataRateOptimize, MODEM_PRESETS, type ModemBackend } from "../modem.js";
import {
  CAD_SF7,
  CAD_SYMBOLS,
  CALIBRATE_ALL,
  CHIP_MODE,
  CMD_STATUS,
  cmd,
  decodeStatus,
  describeDeviceErrors,
  GFSK,
  GFSK_CRC_INIT,
  GFSK_CRC_POLY,
  GFSK_RX_BW,
  IMAGE_CAL_863_870,
  IMAGE_CAL_BAND_HZ,
  IRQ,
  IRQ_USED,
  LORA_BW,
  LORA_PRIVATE_SYNC_WORD,
  MAX_PAYLOAD,
  OP,
  OWTS_SYNC_WORD,
  PACKET_TYPE,
  PULSE_SHAPE_BT_0_5,
  paSettingFor,
  RAMP_200_US,
  READS,
  REG,
  REGULATOR,
  rssiFromByte,
  STANDBY,
  snrFromByte,
  TCXO_VOLTAGES,
} from "./commands.js";
import type { Sx1262Hal } from "./hal.js";

export type Sx1262ErrorCode =
  | "busy_timeout"
  | "spi"
  | "no_chip"
  | "device_error"
  | "command_refused"
  | "tx_timeout"
  | "bad_setting";

/** Why the chip could not do what it was asked, in words for `/api/status` and the log. */
export class Sx1262Error extends Error {
  override name = "Sx1262Error";
  constructor(
    readonly code: Sx1262ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Sx1262ChipOptions {
  /**
   * Supply voltage for a TCXO powered from DIO3, in volts (one of 1.6, 1.7, 1.8, 2.2, 2.4, 2.7, 3.0,
   * 3.3); 0 for a module with a plain crystal.
   * @default 0
   */
  tcxo_volts?: number;
  /**
   * TCXO start-up time the chip waits before using it.
   * @default 5
   */
  tcxo_delay_ms?: number;
  /**
   * DIO2 drives the module's RF switch (most SX1262 modules without RXEN/TXEN pins).
   * @default false
   */
  dio2_rf_switch?: boolean;
  /**
   * Power regulator: the DC-DC converter needs the inductor most modules fit; "ldo" for those without.
   * @default "dcdc"
   */
  regulator?: "dcdc" | "ldo";
  /**
   * Longest the driver waits for BUSY to drop before a command. Calibration takes about 3.5 ms; no
   * command should take anywhere near this long.
   * @default 50
   */
  busy_timeout_ms?: number;
}

/** What the chip is set to for the air: the channel and the power at the chip's RF pin. */
export interface ChipChannel {
  frequency_hz: number;
  modem: ModemBackend;
  /** Nominal output at the chip (before any external PA), dBm, integer in -9..22. */
  chip_power_dbm: number;
}

export type RxTake =
  | { kind: "none" }
  | { kind: "bad"; reason: "crc" | "header" }
  | { kind: "frame"; payload: Uint8Array; rssi_dbm: number; snr_db: number | null };

/** TX gets this much over its air time before the chip's own timeout fires, and DIO1 a bit more. */
const TX_MARGIN_MS = 50;
const RESET_PULSE_MS = 1;
/** The chip leaves reset in a few ms; give it generously more before calling it absent. */
const RESET_READY_MS = 20;

export function tcxoVoltageCode(volts: number): number | undefined {
  return TCXO_VOLTAGES.find(([v]) => Math.abs(v - volts) < 1e-9)?.[1];
}

/** What is wrong with chip options (empty when nothing is). */
export function chipOptionProblems(opts: Sx1262ChipOptions): string[] {
  const out: string[] = [];
  const v = opts.tcxo_volts ?? 0;
  if (v !== 0 && tcxoVoltageCode(v) === undefined) {
    out.push(
      `the SX1262 cannot supply a TCXO with ${v} V (it offers ${TCXO_VOLTAGES.map(([x]) => x.toFixed(1)).join(", ")} V, or 0 for a crystal)`,
    );
  }
  const d = opts.tcxo_delay_ms ?? 5;
  if (!(d >= 0 && d <= 262_000)) out.push(`TCXO delay must be 0..262000 ms, got ${d}`);
  const b = opts.busy_timeout_ms ?? 50;
  if (!(b > 0 && b <= 10_000)) out.push(`BUSY timeout must be above 0 and at most 10000 ms, got ${b}`);
  return out;
}

/**
 * The SX1262 command interface over the HAL: every command waits for BUSY to drop first (the
 * datasheet's handshake: a command sent while BUSY is high is lost), reads return [status, data…].
 * Not safe for concurrent use: the link serialises calls.
 */
export class Sx1262Driver {
  readonly #hal: Sx1262Hal;
  readonly #busyTimeout: number;
  readonly #opts: Required<Omit<Sx1262ChipOptions, "busy_timeout_ms">>;
  readonly #sleep: (ms: number) => Promise<void>;
  #modem: ModemBackend | null = null;

  constructor(hal: Sx1262Hal, opts: Sx1262ChipOptions = {}, sleep?: (ms: number) => Promise<void>) {
    this.#hal = hal;
    this.#busyTimeout = opts.busy_timeout_ms ?? 50;
    this.#opts = {
      tcxo_volts: opts.tcxo_volts ?? 0,
      tcxo_delay_ms: opts.tcxo_delay_ms ?? 5,
      dio2_rf_switch: opts.dio2_rf_switch ?? false,
      regulator: opts.regulator ?? "dcdc",
    };
    const problems = chipOptionProblems(opts);
    if (problems.length > 0) throw new Sx1262Error("bad_setting", problems.join("; "));
    this.#sleep = sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Sends one command (opcode + parameters) after BUSY drops; returns what came back. */
  async exec(bytes: readonly number[] | Uint8Array): Promise<Uint8Array> {
    const op = bytes[0] ?? 0;
    if (!(await this.#hal.pins.busy.waitFor(0, this.#busyTimeout))) {
      throw new Sx1262Error(
        "busy_timeout",
        `the SX1262 kept BUSY high for over ${this.#busyTimeout} ms (before command 0x${op.toString(16).padStart(2, "0")}); check the BUSY and RESET wiring and the module's power`,
      );
    }
    try {
      return await this.#hal.spi.transfer(Uint8Array.from(bytes));
    } catch (err) {
      throw new Sx1262Error("spi", `SPI transfer to the SX1262 failed: ${(err as Error).message}`);
    }
  }

  /** A read command: [op, NOP, NOP × len] → { status, data }. */
  async read(r: { op: number; len: number }): Promise<{ status: number; data: Uint8Array }> {
    const rx = await this.exec([r.op, ...new Array<number>(r.len + 1).fill(0)]);
    return { status: rx[1] ?? 0, data: rx.subarray(2) };
  }

  async status(): Promise<{ mode: number; command: number }> {
    return decodeStatus((await this.read(READS.getStatus)).status);
  }

  /** Sends a write command and asks the chip whether it took it (GetStatus reports the last command). */
  async write(bytes: readonly number[], what: string): Promise<void> {
    await this.exec(bytes);
    const s = await this.status();
    if (s.command === CMD_STATUS.PROCESSING_ERROR || s.command === CMD_STATUS.EXEC_FAILURE) {
      const why = s.command === CMD_STATUS.PROCESSING_ERROR ? "refused as invalid" : "could not be executed";
      throw new Sx1262Error("command_refused", `the SX1262 ${why} the command ${what}`);
    }
  }

  async readRegister(addr: number, len: number): Promise<Uint8Array> {
    const rx = await this.exec([
      OP.READ_REGISTER,
      addr >> 8,
      addr & 0xff,
      0,
      ...new Array<number>(len).fill(0),
    ]);
    return rx.subarray(4);
  }

  async deviceErrors(): Promise<number> {
    const { data } = await this.read(READS.getDeviceErrors);
    return ((data[0] ?? 0) << 8) | (data[1] ?? 0);
  }

  async irqStatus(): Promise<number> {
    const { data } = await this.read(READS.getIrqStatus);
    return ((data[0] ?? 0) << 8) | (data[1] ?? 0);
  }

  async #checkDeviceErrors(when: string): Promise<void> {
    const errors = await this.deviceErrors();
    if (errors !== 0) {
      throw new Sx1262Error("device_error", `the SX1262 reports ${describeDeviceErrors(errors)} (${when})`);
    }
  }

  /**
   * Reset and bring-up as the datasheet orders it: reset pulse, STDBY_RC, regulator, TCXO on DIO3,
   * calibrate all blocks, image calibration for 863–870 MHz, DIO2 RF switch, buffer bases, and the
   * TX clamp fix (datasheet 15.2).
   */
  async init(): Promise<void> {
    const { reset } = this.#hal.pins;
    reset.write(0);
    await this.#sleep(RESET_PULSE_MS);
    reset.write(1);
    if (!(await this.#hal.pins.busy.waitFor(0, RESET_READY_MS))) {
      throw new Sx1262Error(
        "busy_timeout",
        `the SX1262 kept BUSY high for over ${RESET_READY_MS} ms after reset; check the BUSY and RESET wiring and the module's power`,
      );
    }
    await this.exec(cmd.setStandby(STANDBY.RC));
    const s = await this.status();
    if (s.mode !== CHIP_MODE.STBY_RC) {
      throw new Sx1262Error(
        "no_chip",
        `no SX1262 answers on SPI (status byte says mode ${s.mode}, expected standby); check MOSI/MISO/SCK/NSS wiring and the SPI device`,
      );
    }
    await this.write(
      cmd.setRegulatorMode(this.#opts.regulator === "dcdc" ? REGULATOR.DCDC : REGULATOR.LDO),
      "SetRegulatorMode",
    );
    if (this.#opts.tcxo_volts !== 0) {
      await this.write(
        cmd.setDio3AsTcxoCtrl(tcxoVoltageCode(this.#opts.tcxo_volts)!, this.#opts.tcxo_delay_ms),
        "SetDIO3AsTCXOCtrl",
      );
      // Datasheet 13.3.6: XOSC_START_ERR is set at power-up when a TCXO is used (it was not powered
      // yet); clear it so the check after calibration sees only new errors.
      await this.exec(cmd.clearDeviceErrors());
    }
    await this.write(cmd.calibrate(CALIBRATE_ALL), "Calibrate");
    await this.#checkDeviceErrors("after calibration");
    await this.write(
      cmd.calibrateImage(IMAGE_CAL_863_870[0], IMAGE_CAL_863_870[1]),
      "CalibrateImage 863–870 MHz",
    );
    await this.#checkDeviceErrors("after image calibration");
    if (this.#opts.dio2_rf_switch) await this.write(cmd.setDio2AsRfSwitchCtrl(true), "SetDIO2AsRfSwitchCtrl");
    await this.write(cmd.setBufferBaseAddress(0, 0), "SetBufferBaseAddress");
    const clamp = (await this.readRegister(REG.TX_CLAMP_CONFIG, 1))[0] ?? 0;
    await this.write(cmd.writeRegister(REG.TX_CLAMP_CONFIG, [clamp | 0x1e]), "WriteRegister TxClampConfig");
    await this.write(cmd.setStandby(STANDBY.XOSC), "SetStandby XOSC");
    await this.#checkDeviceErrors("starting the oscillator");
  }

  /** Programs the channel, PA, modem and packet engine, and the IRQ routing; leaves the chip in standby. */
  async configure(ch: ChipChannel): Promise<void> {
    const [lo, hi] = IMAGE_CAL_BAND_HZ;
    if (ch.frequency_hz < lo || ch.frequency_hz > hi) {
      throw new Sx1262Error(
        "bad_setting",
        `${ch.frequency_hz} Hz is outside the 863–870 MHz band the SX1262 was calibrated for`,
      );
    }
    if (!Number.isInteger(ch.chip_power_dbm) || ch.chip_power_dbm < -9 || ch.chip_power_dbm > 22) {
      throw new Sx1262Error(
        "bad_setting",
        `chip output ${ch.chip_power_dbm} dBm is outside the SX1262's -9..22 dBm`,
      );
    }
    await this.write(cmd.setStandby(STANDBY.XOSC), "SetStandby XOSC");
    const isLora = ch.modem === "lora";
    // SetPacketType comes first: the modulation and packet parameters are interpreted by it.
    await this.write(cmd.setPacketType(isLora ? PACKET_TYPE.LORA : PACKET_TYPE.GFSK), "SetPacketType");
    await this.write(cmd.setRfFrequency(ch.frequency_hz), "SetRfFrequency");
    const pa = paSettingFor(ch.chip_power_dbm);
    await this.write(cmd.setPaConfig(pa.pa_duty_cycle, pa.hp_max), "SetPaConfig");
    await this.write(cmd.setTxParams(pa.power, RAMP_200_US), "SetTxParams");
    this.#modem = ch.modem;
    await this.write(modulationBytes(ch.modem), "SetModulationParams");
    await this.write(packetBytes(ch.modem, MAX_PAYLOAD), "SetPacketParams");
    if (isLora) {
      await this.write(
        cmd.writeRegister(REG.LORA_SYNC_WORD, LORA_PRIVATE_SYNC_WORD),
        "WriteRegister LoRa sync word",
      );
      await this.write(cmd.setCadParams(CAD_SF7), "SetCadParams");
    } else {
      await this.write(cmd.writeRegister(REG.SYNC_WORD, OWTS_SYNC_WORD), "WriteRegister sync word");
      await this.write(
        cmd.writeRegister(REG.CRC_INITIAL, [
          GFSK_CRC_INIT >> 8,
          GFSK_CRC_INIT & 0xff,
          GFSK_CRC_POLY >> 8,
          GFSK_CRC_POLY & 0xff,
        ]),
        "WriteRegister CRC",
      );
    }
    await this.write(cmd.setDioIrqParams(IRQ_USED, IRQ_USED, 0, 0), "SetDioIrqParams");
    await this.exec(cmd.clearIrqStatus(IRQ.ALL));
  }

  /** Continuous receive, RF switch to the receive path. */
  async startRx(): Promise<void> {
    this.#hal.pins.txen?.write(0);
    this.#hal.pins.rxen?.write(1);
    await this.write(cmd.setRxContinuous(), "SetRx");
  }

  async standby(): Promise<void> {
    await this.write(cmd.setStandby(STANDBY.XOSC), "SetStandby XOSC");
  }

  /** Instantaneous RSSI while in RX, dBm. */
  async rssiInst(): Promise<number> {
    const { data } = await this.read(READS.getRssiInst);
    return rssiFromByte(data[0] ?? 0);
  }

  /** LoRa channel activity detection; true when a LoRa preamble was seen. Leaves the chip in standby. */
  async cad(): Promise<boolean> {
    await this.standby();
    await this.exec(cmd.clearIrqStatus(IRQ.ALL));
    await this.write(cmd.setCad(), "SetCad");
    const m = MODEM_PRESETS.lora;
    const symbolMs = m.kind === "lora" ? (2 ** m.spreading_factor / m.bandwidth_hz) * 1000 : 1;
    const budget = CAD_SYMBOLS[CAD_SF7[0] ?? 0]! * symbolMs + TX_MARGIN_MS;
    if (!(await this.#hal.pins.dio1.waitFor(1, budget))) {
      throw new Sx1262Error(
        "tx_timeout",
        `the SX1262 did not finish channel activity detection within ${budget.toFixed(0)} ms`,
      );
    }
    const irq = await this.irqStatus();
    await this.exec(cmd.clearIrqStatus(IRQ.ALL));
    return (irq & IRQ.CAD_DETECTED) !== 0;
  }

  /**
   * Sends one packet and waits for TX done. `payload` is what the packet engine carries (GFSK: the
   * bytes after the length byte it adds itself; LoRa: all of it).
   */
  async transmit(payload: Uint8Array): Promise<void> {
    const modem = this.#modem;
    if (!modem) throw new Sx1262Error("bad_setting", "transmit before configure");
    if (payload.length > MAX_PAYLOAD || payload.length === 0) {
      throw new Sx1262Error("bad_setting", `a packet carries 1..${MAX_PAYLOAD} bytes, got ${payload.length}`);
    }
    await this.standby();
    await this.write(packetBytes(modem, payload.length), "SetPacketParams");
    await this.write(cmd.writeBuffer(0, payload), "WriteBuffer");
    await this.exec(cmd.clearIrqStatus(IRQ.ALL));
    this.#hal.pins.rxen?.write(0);
    this.#hal.pins.txen?.write(1);
    const onAir = airtimeMs(MODEM_PRESETS[modem], payload.length + (modem === "gfsk" ? 1 : 0));
    try {
      await this.write(cmd.setTx(onAir + TX_MARGIN_MS), "SetTx");
      const rose = await this.#hal.pins.dio1.waitFor(1, onAir + 2 * TX_MARGIN_MS);
      const irq = rose ? await this.irqStatus() : 0;
      await this.exec(cmd.clearIrqStatus(IRQ.ALL));
      if ((irq & IRQ.TX_DONE) === 0) {
        const why =
          irq & IRQ.TIMEOUT
            ? "its TX timeout fired"
            : `no TX-done interrupt on DIO1 within ${Math.round(onAir + 2 * TX_MARGIN_MS)} ms`;
        throw new Sx1262Error(
          "tx_timeout",
          `the SX1262 did not finish sending a ${onAir.toFixed(1)} ms packet: ${why}`,
        );
      }
    } finally {
      this.#hal.pins.txen?.write(0);
    }
    await this.write(packetBytes(modem, MAX_PAYLOAD), "SetPacketParams");
  }

  /** Reads what DIO1 announced: a received packet (with its levels), a bad one, or nothing. Clears the IRQs. */
  async takeRx(): Promise<RxTake> {
    const irq = await this.irqStatus();
    if (irq === 0) return { kind: "none" };
    await this.exec(cmd.clearIrqStatus(irq));
    if ((irq & IRQ.RX_DONE) === 0) return { kind: "none" };
    if (irq & IRQ.HEADER_ERR) return { kind: "bad", reason: "header" };
    if (irq & IRQ.CRC_ERR) return { kind: "bad", reason: "crc" };
    const st = await this.read(READS.getRxBufferStatus);
    const len = st.data[0] ?? 0;
    const start = st.data[1] ?? 0;
    const rx = await this.exec([OP.READ_BUFFER, start, 0, ...new Array<number>(len).fill(0)]);
    const payload = Uint8Array.from(rx.subarray(3));
    const ps = (await this.read(READS.getPacketStatus)).data;
    if (this.#modem === "lora") {
      return { kind: "frame", payload, rssi_dbm: rssiFromByte(ps[0] ?? 0), snr_db: snrFromByte(ps[1] ?? 0) };
    }
    // GFSK reports RSSI at sync and averaged over the packet, but no SNR.
    return { kind: "frame", payload, rssi_dbm: rssiFromByte(ps[2] ?? 0), snr_db: null };
  }
}

/** SetModulationParams for a modem preset (the same on-air parameters `modem.ts` counts air time with). */
export function modulationBytes(modem: ModemBackend): number[] {
  const m = MODEM_PRESETS[modem];
  if (m.kind === "gfsk") {
    const bw = GFSK_RX_BW.find(([hz]) => hz === m.rx_bandwidth_hz);
    if (!bw)
      throw new Sx1262Error(
        "bad_setting",
        `the SX1262 has no ${m.rx_bandwidth_hz} Hz GFSK receiver bandwidth`,
      );
    return cmd.gfskModulation(m.bitrate_bps, PULSE_SHAPE_BT_0_5, bw[1], m.fdev_hz);
  }
  const bw = LORA_BW.find(([hz]) => hz === m.bandwidth_hz);
  if (!bw) throw new Sx1262Error("bad_setting", `the SX1262 has no ${m.bandwidth_hz} Hz LoRa bandwidth`);
  return cmd.loraModulation(m.spreading_factor, bw[1], m.coding_rate, lowDataRateOptimize(m));
}

/**
 * SetPacketParams for a modem preset and payload length. GFSK runs the packet engine in
 * variable-length mode: the chip's length byte is exactly our frame's own length byte, so what goes
 * on air is the frame byte for byte, and its air time is what `modem.ts` counts (length_field 0).
 */
export function packetBytes(modem: ModemBackend, payload: number): number[] {
  const m = MODEM_PRESETS[modem];
  if (m.kind === "gfsk") {
    return cmd.gfskPacket({
      preamble_bits: m.preamble_bits,
      detector: GFSK.PREAMBLE_DETECTOR_16,
      sync_bits: m.sync_word_bytes * 8,
      variable: true,
      payload,
      crc: m.crc_bytes === 2 ? GFSK.CRC_2_BYTE_INV : m.crc_bytes === 1 ? GFSK.CRC_1_BYTE_INV : GFSK.CRC_OFF,
      whitening: true,
    });
  }
  return cmd.loraPacket({ preamble: m.preamble_symbols, explicit: m.explicit_header, payload, crc: m.crc });
}
