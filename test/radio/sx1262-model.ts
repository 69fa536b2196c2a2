import { type Clock, systemClock } from "../../src/core/clock.js";
import { airtimeMs, type GfskParams, type LoraParams, type ModemParams } from "../../src/radio/modem.js";
import type { SimMedium, SimRadio } from "../../src/radio/sim-link.js";
import {
  bitrateFromWord,
  CAD_SYMBOLS,
  CHIP_MODE,
  CMD_STATUS,
  encodeStatus,
  frequencyFromWord,
  GFSK_RX_BW,
  HP_POWER_RANGE_DBM,
  IMAGE_CAL_RESET_BAND_HZ,
  IRQ,
  LORA_BW,
  OP,
  paOutputDbm,
  REG,
  rssiToByte,
  snrToByte,
  TCXO_VOLTAGES,
  TIMER_STEP_MS,
  XOSC_START_ERR,
} from "../../src/radio/sx1262/commands.js";
import type { GpioInput, GpioOutput, Sx1262Hal } from "../../src/radio/sx1262/hal.js";

/**
 * An SX1262 as its datasheet (Semtech DS.SX1261-2 rev 2.1) describes it, for the driver tests —
 * hardware we do not have. It answers SPI transfers byte for byte, holds BUSY high while it works,
 * raises IRQs and DIO1, keeps the registers OWTS uses, and records every out-of-spec sequence in
 * `violations` (and answers it with the "command processing error" status, as the chip does) instead
 * of acting on it. Attached to a SimMedium it puts packets on the simulated air with the frequency,
 * power and air time its own registers give.
 */

/** Parameter bytes each write command takes (datasheet chapter 13); reads are checked separately. */
const PARAM_LEN: Record<number, number> = {
  [OP.SET_STANDBY]: 1,
  [OP.SET_REGULATOR_MODE]: 1,
  [OP.SET_DIO3_AS_TCXO_CTRL]: 4,
  [OP.CALIBRATE]: 1,
  [OP.CALIBRATE_IMAGE]: 2,
  [OP.SET_DIO2_AS_RF_SWITCH_CTRL]: 1,
  [OP.SET_PACKET_TYPE]: 1,
  [OP.SET_RF_FREQUENCY]: 4,
  [OP.SET_PA_CONFIG]: 4,
  [OP.SET_TX_PARAMS]: 2,
  [OP.SET_BUFFER_BASE_ADDRESS]: 2,
  [OP.SET_DIO_IRQ_PARAMS]: 8,
  [OP.CLEAR_IRQ_STATUS]: 2,
  [OP.SET_TX]: 3,
  [OP.SET_RX]: 3,
  [OP.SET_CAD]: 0,
  [OP.SET_CAD_PARAMS]: 7,
  [OP.CLEAR_DEVICE_ERRORS]: 2,
};

/**
 * BUSY times (datasheet table 3-? "switching times" and 13.1.12): reset to STDBY_RC about 3.5 ms
 * (cold start), full calibration 3.5 ms, image calibration about 1 ms per band; ordinary commands are
 * processed in a few microseconds. Mode changes into TX/RX/CAD go through FS (about 40–60 µs).
 */
export const MODEL_BUSY_MS = {
  reset: 3.5,
  calibrate: 3.5,
  calibrateImage: 1,
  modeChange: 0.06,
  command: 0.005,
} as const;

type Mode = "reset" | "stby_rc" | "stby_xosc" | "fs" | "rx" | "tx" | "cad";
const MODE_CODE: Record<Mode, number> = {
  reset: 0,
  stby_rc: CHIP_MODE.STBY_RC,
  stby_xosc: CHIP_MODE.STBY_XOSC,
  fs: CHIP_MODE.FS,
  rx: CHIP_MODE.RX,
  tx: CHIP_MODE.TX,
  cad: CHIP_MODE.RX,
};

export interface ModelFaults {
  /** BUSY never drops (a dead chip or a broken BUSY wire). */
  stuckBusy?: boolean;
  /** Every SPI transfer fails with this message (the SPI driver's EIO). */
  spiError?: string;
  /** No chip on the bus: MISO reads 0 and BUSY stays low. */
  absent?: boolean;
  /** Device error bits Calibrate leaves set (e.g. PLL calibration), on top of TCXO mistakes. */
  calibrationErrors?: number;
}

export interface ModelOptions {
  clock?: Clock;
  /** The module's TCXO: volts it needs from DIO3, or 0 for a crystal. A wrong setup fails XOSC start. */
  tcxoVolts?: number;
  /** How the module's RF switch is driven: by DIO2, by RXEN/TXEN pins, or not at all (none fitted). */
  rfSwitch?: "dio2" | "pins" | "none";
  /** Gain of an external PA after the chip (dB), so the medium sees the e.r.p. */
  paGainDb?: number;
  medium?: SimMedium;
  position?: readonly [number, number, number];
}

interface Waiter {
  pin: "busy" | "dio1";
  level: 0 | 1;
  resolve: (ok: boolean) => void;
  cancel: () => void;
}

/** What the model puts on the medium in front of the payload: the parameters a receiver must share. */
function airSignature(m: Sx1262Model): string {
  return m.packetType === 1
    ? `lora:${m.mod.slice(0, 3).join(",")}:${m.registers.get(REG.LORA_SYNC_WORD)}${m.registers.get(REG.LORA_SYNC_WORD + 1)}`
    : `gfsk:${m.mod.slice(0, 3).join(",")}:${m.mod.slice(5, 8).join(",")}:${[0, 1, 2, 3].map((i) => m.registers.get(REG.SYNC_WORD + i)).join(",")}:${m.pkt[8]}`;
}

export class Sx1262Model {
  readonly clock: Clock;
  readonly violations: string[] = [];
  /** Every transfer the chip accepted while not BUSY, as sent. */
  readonly commands: number[][] = [];
  faults: ModelFaults = {};
  /** Instantaneous RSSI of the channel when nobody on the medium is transmitting. */
  channelRssiDbm = -120;
  /** LoRa CAD finds a preamble (someone else's LoRa transmission in progress). */
  cadBusy = false;
  readonly opts: Required<Omit<ModelOptions, "clock" | "medium" | "position">>;

  mode: Mode = "stby_rc";
  #busyUntil = 0;
  #inReset = false;
  packetType = 0;
  rfWord = 0;
  calibratedBand: readonly [number, number] = IMAGE_CAL_RESET_BAND_HZ;
  paConfig: number[] | null = null;
  txPower: number | null = null;
  mod: number[] = [];
  pkt: number[] = [];
  registers = new Map<number, number>();
  irqMask = 0;
  dio1Mask = 0;
  irq = 0;
  deviceErrors = 0;
  tcxo: { volts: number; delay_ms: number } | null = null;
  dio2Switch = false;
  regulator = 0;
  cadParams: number[] = [];
  txBase = 0;
  rxBase = 0;
  readonly buffer = new Uint8Array(256);
  rxLen = 0;
  rxStart = 0;
  pktStatus = [0, 0, 0];
  #lastCmdStatus = 0;
  #waiters = new Set<Waiter>();
  #txTimer: (() => void) | undefined;
  readonly rxen = { level: 0 as 0 | 1 };
  readonly txen = { level: 0 as 0 | 1 };
  /** Nominal chip output of the last transmission, dBm (for the power-cap tests). */
  lastTxOutputDbm: number | null = null;
  readonly radio: SimRadio | undefined;
  closedHal = 0;

  constructor(opts: ModelOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.opts = {
      tcxoVolts: opts.tcxoVolts ?? 0,
      rfSwitch: opts.rfSwitch ?? "dio2",
      paGainDb: opts.paGainDb ?? 0,
    };
    this.#powerOn();
    if (opts.medium) {
      this.radio = opts.medium.attach(opts.position ?? [0, 0, 0], { frequency_hz: 0, modem: "gfsk" });
      this.radio.onReceive((bytes, meta) => this.#hear(bytes, meta.rssi_dbm ?? -120, meta.snr_db ?? 0));
    }
  }

  #powerOn(): void {
    this.mode = "stby_rc";
    this.packetType = 0;
    this.rfWord = 0;
    this.calibratedBand = IMAGE_CAL_RESET_BAND_HZ;
    this.paConfig = null;
    this.txPower = null;
    this.mod = [];
    this.pkt = [];
    this.registers = new Map([[REG.TX_CLAMP_CONFIG, 0xc0]]);
    this.irqMask = 0;
    this.dio1Mask = 0;
    this.irq = 0;
    // Datasheet 13.3.6: with a TCXO the oscillator cannot have started at power-up.
    this.deviceErrors = this.opts.tcxoVolts > 0 ? XOSC_START_ERR : 0;
    this.tcxo = null;
    this.dio2Switch = false;
    this.#lastCmdStatus = 0;
    this.#txTimer?.();
  }

  // ---- pins ----

  busyLevel(): 0 | 1 {
    if (this.faults.absent) return 0;
    if (this.faults.stuckBusy || this.#inReset) return 1;
    return this.clock.now() < this.#busyUntil ? 1 : 0;
  }

  dio1Level(): 0 | 1 {
    return (this.irq & this.dio1Mask) !== 0 ? 1 : 0;
  }

  #input(pin: "busy" | "dio1"): GpioInput {
    const read = () => (pin === "busy" ? this.busyLevel() : this.dio1Level());
    return {
      read,
      waitFor: (level, timeout_ms) =>
        new Promise<boolean>((resolve) => {
          if (read() === level) return resolve(true);
          const cancelTimeout = this.clock.setTimeout(() => finish(false), timeout_ms);
          let cancelBusyTimer = () => {};
          const w: Waiter = { pin, level, resolve: (ok) => finish(ok), cancel: () => {} };
          const finish = (ok: boolean) => {
            if (!this.#waiters.has(w)) return;
            this.#waiters.delete(w);
            cancelTimeout();
            cancelBusyTimer();
            resolve(ok);
          };
          this.#waiters.add(w);
          if (pin === "busy" && level === 0 && !this.faults.stuckBusy) {
            const recheck = () => {
              if (read() === 0) finish(true);
              else
                cancelBusyTimer = this.clock.setTimeout(
                  recheck,
                  Math.max(0.01, this.#busyUntil - this.clock.now()),
                );
            };
            cancelBusyTimer = this.clock.setTimeout(
              recheck,
              Math.max(0.01, this.#busyUntil - this.clock.now()),
            );
          }
        }),
    };
  }

  #notify(): void {
    for (const w of [...this.#waiters]) {
      const level = w.pin === "busy" ? this.busyLevel() : this.dio1Level();
      if (level === w.level) w.resolve(true);
    }
  }

  #setIrq(bits: number): void {
    this.irq |= bits & this.irqMask;
    this.#notify();
  }

  #busyFor(ms: number): void {
    this.#busyUntil = Math.max(this.#busyUntil, this.clock.now() + ms);
  }

  hal(): Sx1262Hal {
    const reset: GpioOutput = {
      write: (level) => {
        if (level === 0) {
          this.#inReset = true;
          this.mode = "reset";
          this.#txTimer?.();
          return;
        }
        if (!this.#inReset) return;
        this.#inReset = false;
        this.#powerOn();
        this.#busyFor(MODEL_BUSY_MS.reset);
      },
    };
    return {
      spi: { transfer: (tx) => this.transfer(tx) },
      pins: {
        reset,
        busy: this.#input("busy"),
        dio1: this.#input("dio1"),
        rxen: { write: (l) => (this.rxen.level = l) },
        txen: { write: (l) => (this.txen.level = l) },
      },
      close: async () => {
        this.closedHal++;
      },
    };
  }

  // ---- SPI ----

  async transfer(tx: Uint8Array): Promise<Uint8Array> {
    if (this.faults.spiError) throw new Error(this.faults.spiError);
    if (this.faults.absent) return new Uint8Array(tx.length);
    const rx = new Uint8Array(tx.length).fill(this.#status());
    const op = tx[0] ?? 0;
    if (this.busyLevel() === 1) {
      this.violations.push(`command 0x${op.toString(16)} sent while BUSY was high`);
      return rx;
    }
    this.commands.push([...tx]);
    const problem = this.#exec(tx, rx);
    if (problem) {
      this.violations.push(problem);
      this.#lastCmdStatus = CMD_STATUS.PROCESSING_ERROR;
    }
    rx[0] = 0;
    this.#notify();
    return rx;
  }

  #status(): number {
    return encodeStatus({ mode: MODE_CODE[this.mode], command: this.#lastCmdStatus });
  }

  /** Runs one command; returns why it is out of spec (and then changes nothing), or undefined. */
  #exec(tx: Uint8Array, rx: Uint8Array): string | undefined {
    const op = tx[0]!;
    const p = [...tx.subarray(1)];
    const name = `0x${op.toString(16)}`;
    if (op in PARAM_LEN && p.length !== PARAM_LEN[op]) {
      return `command ${name} needs ${PARAM_LEN[op]} parameter bytes, got ${p.length}`;
    }
    if (op !== OP.GET_STATUS) this.#lastCmdStatus = 0;
    this.#busyFor(MODEL_BUSY_MS.command);
    const standby = this.mode === "stby_rc" || this.mode === "stby_xosc";
    const data = (bytes: number[], from: number) => {
      for (let i = 0; i < bytes.length && from + i < rx.length; i++) rx[from + i] = bytes[i]!;
      if (op !== OP.GET_STATUS) this.#lastCmdStatus = CMD_STATUS.DATA_AVAILABLE;
    };
    switch (op) {
      case OP.GET_STATUS:
        rx[1] = this.#status();
        // The command status is reported once, then reads as "none".
        this.#lastCmdStatus = 0;
        return;
      case OP.SET_STANDBY:
        if (p[0]! > 1) return `SetStandby ${p[0]} is not RC (0) or XOSC (1)`;
        if (p[0] === 1 && this.opts.tcxoVolts > 0 && !this.tcxo) {
          this.deviceErrors |= XOSC_START_ERR;
          this.#lastCmdStatus = CMD_STATUS.EXEC_FAILURE;
          return;
        }
        this.#txTimer?.();
        this.mode = p[0] === 1 ? "stby_xosc" : "stby_rc";
        this.#busyFor(MODEL_BUSY_MS.modeChange);
        return;
      case OP.SET_REGULATOR_MODE:
        if (!standby) return "SetRegulatorMode outside standby";
        if (p[0]! > 1) return `SetRegulatorMode ${p[0]} is not LDO (0) or DC-DC (1)`;
        this.regulator = p[0]!;
        return;
      case OP.SET_DIO3_AS_TCXO_CTRL: {
        const v = TCXO_VOLTAGES.find(([, c]) => c === p[0]);
        if (!v) return `SetDIO3AsTCXOCtrl voltage code ${p[0]} does not exist`;
        this.tcxo = { volts: v[0], delay_ms: ((p[1]! << 16) | (p[2]! << 8) | p[3]!) * TIMER_STEP_MS };
        return;
      }
      case OP.CALIBRATE:
        if (this.mode !== "stby_rc") return "Calibrate must be sent in STDBY_RC";
        this.#busyFor(MODEL_BUSY_MS.calibrate);
        if (this.opts.tcxoVolts > 0 && (!this.tcxo || this.tcxo.volts + 1e-9 < this.opts.tcxoVolts)) {
          this.deviceErrors |= XOSC_START_ERR;
        }
        if (this.opts.tcxoVolts === 0 && this.tcxo) {
          // Driving DIO3 into a crystal module's oscillator does not start it either.
          this.deviceErrors |= XOSC_START_ERR;
        }
        this.deviceErrors |= this.faults.calibrationErrors ?? 0;
        return;
      case OP.CALIBRATE_IMAGE: {
        if (!standby) return "CalibrateImage outside standby";
        const bands: Record<string, readonly [number, number]> = {
          "107,111": [430e6, 440e6],
          "117,129": [470e6, 510e6],
          "193,197": [779e6, 787e6],
          "215,219": [863e6, 870e6],
          "225,233": [902e6, 928e6],
        };
        const band = bands[`${p[0]},${p[1]}`];
        if (!band) return `CalibrateImage ${p[0]},${p[1]} is not a band from the datasheet's table 9-2`;
        this.calibratedBand = band;
        this.#busyFor(MODEL_BUSY_MS.calibrateImage);
        return;
      }
      case OP.SET_DIO2_AS_RF_SWITCH_CTRL:
        this.dio2Switch = p[0] === 1;
        return;
      case OP.SET_PACKET_TYPE:
        if (!standby) return "SetPacketType outside standby";
        if (p[0]! > 1) return `packet type ${p[0]} is not GFSK or LoRa`;
        this.packetType = p[0]!;
        this.mod = [];
        this.pkt = [];
        return;
      case OP.SET_RF_FREQUENCY: {
        const word = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
        const hz = frequencyFromWord(word);
        const [lo, hi] = this.calibratedBand;
        if (hz < lo || hz > hi) {
          return `SetRfFrequency ${(hz / 1e6).toFixed(3)} MHz is outside the image-calibrated band ${lo / 1e6}–${hi / 1e6} MHz`;
        }
        this.rfWord = word;
        return;
      }
      case OP.SET_PA_CONFIG:
        if (p[2] !== 0) return "SetPaConfig deviceSel must be 0 (SX1262 high-power PA)";
        if (p[3] !== 1) return "SetPaConfig paLut must be 1";
        // Datasheet 13.1.14: above these the PA can be damaged or age early.
        if (p[0]! > 0x04) return `SetPaConfig paDutyCycle 0x${p[0]!.toString(16)} exceeds 0x04 on the SX1262`;
        if (p[1]! > 0x07) return `SetPaConfig hpMax 0x${p[1]!.toString(16)} exceeds 0x07`;
        this.paConfig = p;
        return;
      case OP.SET_TX_PARAMS: {
        if (!this.paConfig) return "SetTxParams before SetPaConfig";
        const power = (p[0]! << 24) >> 24;
        const [lo, hi] = HP_POWER_RANGE_DBM;
        if (power < lo || power > hi)
          return `SetTxParams power ${power} dBm is outside ${lo}..${hi} for the high-power PA`;
        if (paOutputDbm(this.paConfig[0]!, this.paConfig[1]!, power) === null) {
          return "SetTxParams with a PA configuration that is not one of the datasheet's optimal settings";
        }
        if (p[1]! > 7) return `ramp time code ${p[1]} does not exist`;
        this.txPower = power;
        return;
      }
      case OP.SET_MODULATION_PARAMS:
        if (this.packetType === 0) {
          if (p.length !== 8) return `GFSK modulation params are 8 bytes, got ${p.length}`;
          if (!GFSK_RX_BW.some(([, c]) => c === p[4]))
            return `GFSK bandwidth code 0x${p[4]!.toString(16)} does not exist`;
          if (![0x00, 0x08, 0x09, 0x0a, 0x0b].includes(p[3]!))
            return `pulse shape 0x${p[3]!.toString(16)} does not exist`;
        } else {
          if (p.length !== 4) return `LoRa modulation params are 4 bytes, got ${p.length}`;
          if (p[0]! < 5 || p[0]! > 12) return `spreading factor ${p[0]} is outside 5..12`;
          if (!LORA_BW.some(([, c]) => c === p[1]))
            return `LoRa bandwidth code 0x${p[1]!.toString(16)} does not exist`;
          if (p[2]! < 1 || p[2]! > 4) return `coding rate ${p[2]} is outside 1..4`;
        }
        this.mod = p;
        return;
      case OP.SET_PACKET_PARAMS:
        if (this.packetType === 0) {
          if (p.length !== 9) return `GFSK packet params are 9 bytes, got ${p.length}`;
          const preamble = (p[0]! << 8) | p[1]!;
          const detectorBits = p[2] === 0 ? 0 : (p[2]! - 3) * 8;
          if (detectorBits > preamble) return "GFSK preamble detector longer than the preamble";
          if (p[3]! > 64) return `sync word of ${p[3]} bits (max 64)`;
          if (![0x00, 0x01, 0x02, 0x04, 0x06].includes(p[7]!))
            return `CRC type 0x${p[7]!.toString(16)} does not exist`;
        } else {
          if (p.length !== 6) return `LoRa packet params are 6 bytes, got ${p.length}`;
        }
        this.pkt = p;
        return;
      case OP.SET_CAD_PARAMS:
        if (p[0]! > 4) return `cadSymbolNum ${p[0]} does not exist`;
        this.cadParams = p;
        return;
      case OP.SET_BUFFER_BASE_ADDRESS:
        this.txBase = p[0]!;
        this.rxBase = p[1]!;
        return;
      case OP.SET_DIO_IRQ_PARAMS:
        this.irqMask = (p[0]! << 8) | p[1]!;
        this.dio1Mask = ((p[2]! << 8) | p[3]!) & this.irqMask;
        return;
      case OP.CLEAR_IRQ_STATUS:
        this.irq &= ~((p[0]! << 8) | p[1]!);
        return;
      case OP.GET_IRQ_STATUS:
        data([this.irq >> 8, this.irq & 0xff], 2);
        return;
      case OP.GET_DEVICE_ERRORS:
        data([this.deviceErrors >> 8, this.deviceErrors & 0xff], 2);
        return;
      case OP.CLEAR_DEVICE_ERRORS:
        this.deviceErrors = 0;
        return;
      case OP.GET_RX_BUFFER_STATUS:
        data([this.rxLen, this.rxStart], 2);
        return;
      case OP.GET_PACKET_STATUS:
        data(this.pktStatus, 2);
        return;
      case OP.GET_RSSI_INST:
        if (this.mode !== "rx") return "GetRssiInst outside RX";
        data([rssiToByte(this.#channelLevel())], 2);
        return;
      case OP.GET_PACKET_TYPE:
        data([this.packetType], 2);
        return;
      case OP.WRITE_REGISTER: {
        const addr = (p[0]! << 8) | p[1]!;
        for (let i = 2; i < p.length; i++) this.registers.set(addr + i - 2, p[i]!);
        return;
      }
      case OP.READ_REGISTER: {
        const addr = (p[0]! << 8) | p[1]!;
        const out: number[] = [];
        for (let i = 0; i < p.length - 3; i++) out.push(this.registers.get(addr + i) ?? 0);
        data(out, 4);
        return;
      }
      case OP.WRITE_BUFFER:
        for (let i = 1; i < p.length; i++) this.buffer[(p[0]! + i - 1) & 0xff] = p[i]!;
        return;
      case OP.READ_BUFFER: {
        const out: number[] = [];
        for (let i = 0; i < p.length - 2; i++) out.push(this.buffer[(p[0]! + i) & 0xff]!);
        data(out, 3);
        return;
      }
      case OP.SET_TX:
        return this.#startTx(p);
      case OP.SET_RX:
        if (!this.#ready()) return `SetRx before the radio was configured (${this.#missing()})`;
        this.mode = "rx";
        this.#busyFor(MODEL_BUSY_MS.modeChange);
        this.#tuneMedium();
        return;
      case OP.SET_CAD:
        return this.#startCad();
      default:
        return `opcode ${name} is not one OWTS uses (or not in the datasheet)`;
    }
  }

  #ready(): boolean {
    return this.#missing() === "";
  }

  #missing(): string {
    const miss: string[] = [];
    if (this.rfWord === 0) miss.push("no frequency");
    if (this.mod.length === 0) miss.push("no modulation params");
    if (this.pkt.length === 0) miss.push("no packet params");
    return miss.join(", ");
  }

  /** The chip's settings as modem parameters, to compute air time the way modem.ts does. */
  modemParams(): ModemParams {
    if (this.packetType === 1) {
      const bw = LORA_BW.find(([, c]) => c === this.mod[1])![0];
      const lora: LoraParams = {
        kind: "lora",
        spreading_factor: this.mod[0] as LoraParams["spreading_factor"],
        bandwidth_hz: bw as LoraParams["bandwidth_hz"],
        coding_rate: this.mod[2] as LoraParams["coding_rate"],
        preamble_symbols: (this.pkt[0]! << 8) | this.pkt[1]!,
        explicit_header: this.pkt[2] === 0,
        crc: this.pkt[4] === 1,
        low_data_rate_optimize: this.mod[3] === 1,
        required_snr_db: -7.5,
      };
      return lora;
    }
    const crcBytes = this.pkt[7] === 0x01 ? 0 : this.pkt[7] === 0x00 || this.pkt[7] === 0x04 ? 1 : 2;
    const gfsk: GfskParams = {
      kind: "gfsk",
      bitrate_bps: bitrateFromWord((this.mod[0]! << 16) | (this.mod[1]! << 8) | this.mod[2]!),
      fdev_hz: (((this.mod[5]! << 16) | (this.mod[6]! << 8) | this.mod[7]!) * 32e6) / 2 ** 25,
      preamble_bits: (this.pkt[0]! << 8) | this.pkt[1]!,
      sync_word_bytes: this.pkt[3]! / 8,
      length_field_bytes: this.pkt[5] === 1 ? 1 : 0,
      crc_bytes: crcBytes,
      rx_bandwidth_hz: GFSK_RX_BW.find(([, c]) => c === this.mod[4])![0],
      required_snr_db: 10,
    };
    return gfsk;
  }

  frequencyHz(): number {
    return frequencyFromWord(this.rfWord);
  }

  #tuneMedium(): void {
    this.radio?.tune({ frequency_hz: this.frequencyHz(), modem: this.packetType === 1 ? "lora" : "gfsk" });
  }

  /** What the receiver measures now: the noise/interference knob, or a transmission on the medium. */
  #channelLevel(): number {
    const onAir = this.radio?.levelOnAir() ?? null;
    return onAir === null ? this.channelRssiDbm : Math.max(this.channelRssiDbm, onAir);
  }

  #startTx(p: number[]): string | undefined {
    if (!(this.mode === "stby_rc" || this.mode === "stby_xosc" || this.mode === "fs")) {
      return `SetTx from ${this.mode} (the driver must go to standby first)`;
    }
    if (!this.#ready()) return `SetTx before the radio was configured (${this.#missing()})`;
    if (!this.paConfig || this.txPower === null) return "SetTx without SetPaConfig/SetTxParams";
    if (this.opts.rfSwitch === "dio2" && !this.dio2Switch) {
      return "SetTx while DIO2 does not drive the RF switch: the PA would drive the receive path";
    }
    if (this.opts.rfSwitch === "pins" && !(this.txen.level === 1 && this.rxen.level === 0)) {
      return "SetTx with the RF switch pins not on the transmit path (TXEN high, RXEN low)";
    }
    const len = this.pkt[this.packetType === 1 ? 3 : 6]!;
    const payload = this.buffer.slice(this.txBase, this.txBase + len);
    const m = this.modemParams();
    // In GFSK variable-length mode the chip's own length byte goes on air too (length_field_bytes 1).
    const onAir = airtimeMs(m, len);
    const timeoutMs = ((p[0]! << 16) | (p[1]! << 8) | p[2]!) * TIMER_STEP_MS;
    this.mode = "tx";
    this.#busyFor(MODEL_BUSY_MS.modeChange);
    const output = paOutputDbm(this.paConfig[0]!, this.paConfig[1]!, this.txPower)!;
    this.lastTxOutputDbm = output;
    if (timeoutMs > 0 && timeoutMs < onAir) {
      this.#txTimer = this.clock.setTimeout(() => {
        this.mode = "stby_rc";
        this.#setIrq(IRQ.TIMEOUT);
      }, timeoutMs);
      return;
    }
    if (this.radio) {
      const sig = new TextEncoder().encode(airSignature(this));
      void this.radio.send(Uint8Array.from([sig.length, ...sig, ...payload]), {
        frequency_hz: this.frequencyHz(),
        tx_power_dbm: output + this.opts.paGainDb,
        modem: this.packetType === 1 ? "lora" : "gfsk",
        airtime_ms: onAir,
      });
    }
    this.txAirtimes.push(onAir);
    this.#txTimer = this.clock.setTimeout(() => {
      this.#txTimer = undefined;
      // Fallback mode after TX is STDBY_RC (datasheet 13.1.9, default).
      this.mode = "stby_rc";
      this.#setIrq(IRQ.TX_DONE);
    }, onAir);
    return;
  }

  /** Air time of each packet sent, ms, as the model's registers give it. */
  readonly txAirtimes: number[] = [];

  #startCad(): string | undefined {
    if (this.packetType !== 1) return "SetCad with the GFSK packet type (CAD is LoRa only)";
    if (this.cadParams.length === 0) return "SetCad before SetCadParams";
    const sf = this.mod[0]!;
    const bw = LORA_BW.find(([, c]) => c === this.mod[1])![0];
    const ms = CAD_SYMBOLS[this.cadParams[0]!]! * ((2 ** sf / bw) * 1000);
    this.mode = "cad";
    this.#txTimer = this.clock.setTimeout(() => {
      this.#txTimer = undefined;
      this.mode = "stby_rc";
      // CAD finds LoRa preambles down to about the demodulation floor (SF7: −7.5 dB SNR at 125 kHz).
      const onAir = this.radio?.levelOnAir() ?? null;
      const heard = onAir !== null && onAir > -174 + 10 * Math.log10(bw) + 6 - 7.5;
      this.#setIrq(IRQ.CAD_DONE | (this.cadBusy || heard ? IRQ.CAD_DETECTED : 0));
    }, ms);
    return;
  }

  /** A packet arrives from the medium. */
  #hear(bytes: Uint8Array, rssi: number, snr: number): void {
    if (this.mode !== "rx") return;
    const sigLen = bytes[0] ?? 0;
    const sig = new TextDecoder().decode(bytes.subarray(1, 1 + sigLen));
    if (sig !== airSignature(this)) return; // different modulation or sync word: not demodulated
    const payload = bytes.subarray(1 + sigLen);
    const max = this.pkt[this.packetType === 1 ? 3 : 6]!;
    if (payload.length > max) return; // datasheet: longer than PayloadLength is filtered out
    this.buffer.set(payload, this.rxBase);
    this.rxLen = payload.length;
    this.rxStart = this.rxBase;
    this.pktStatus =
      this.packetType === 1
        ? [rssiToByte(rssi), snrToByte(snr), rssiToByte(rssi - Math.max(0, -snr))]
        : [0, rssiToByte(rssi), rssiToByte(rssi)];
    this.#setIrq(IRQ.RX_DONE);
  }

  /** Puts a packet in the buffer as if received with a bad CRC. */
  receiveCorrupt(): void {
    if (this.mode !== "rx") return;
    this.#setIrq(IRQ.RX_DONE | IRQ.CRC_ERR);
  }
}
