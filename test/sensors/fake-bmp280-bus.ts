import { mulberry32 } from "../../src/core/prng.js";
import {
  BMP280_CHIP_IDS,
  BMP280_REG,
  BMP280_RESET_WORD,
  BMP280_SKIPPED,
  BMP280_STATUS,
  type Bmp280Bus,
  type Bmp280Calibration,
  compensatePressure,
  compensateTemperature,
  encodeBmp280Calibration,
  encodeBmp280Data,
} from "../../src/sensors/bmp280.js";

/** The calibration words of the datasheet's worked example (BST-BMP280-DS001, 3.12). */
export const DATASHEET_CALIBRATION: Bmp280Calibration = {
  T1: 27504,
  T2: 26435,
  T3: -1000,
  P1: 36477,
  P2: -10685,
  P3: 3024,
  P4: 2855,
  P5: 140,
  P6: -7,
  P7: 15500,
  P8: -14600,
  P9: 6000,
};

/** What the model does with one transaction instead of answering as the part would. */
export type Bmp280Fault = { throw: string } | { shortRead: number } | { hang: true } | { bytes: number[] };

export interface FakeBmp280Options {
  /** The virtual clock the conversions run on (ms). */
  now: () => number;
  /** @default 0x76 */
  address?: number;
  /** @default BMP280_CHIP_IDS.bmp280 */
  chipId?: number;
  /** @default DATASHEET_CALIBRATION */
  calibration?: Bmp280Calibration | Buffer;
  /** Static pressure (Pa) at a time. @default 101325 */
  pressureAt?: (t_ms: number) => number;
  /** Die temperature (°C) at a time. @default 25 */
  temperatureAt?: (t_ms: number) => number;
  /** How long `status.im_update` stays set after a reset (ms). @default 1 */
  nvmCopyMs?: number;
  /**
   * Gaussian noise (Pa RMS) of each conversion before the IIR filter, seeded. A live part never
   * repeats a 20-bit word for long; a model without noise at constant pressure would read as stuck.
   * @default 0
   */
  noisePa?: number;
  /** @default 1 */
  seed?: number;
}

/** Datasheet table 13, typical, for osrs_t / osrs_p codes: 1 + 2·T_os + (2·P_os + 0.5) ms. */
function measureMs(osrsT: number, osrsP: number): number {
  const os = (code: number) => (code === 0 ? 0 : 2 ** (Math.min(code, 5) - 1));
  const t = os(osrsT);
  const p = os(osrsP);
  return 1 + 2 * t + (p ? 2 * p + 0.5 : 0);
}
/** Datasheet table 11: t_sb codes → standby ms. */
const STANDBY_MS = [0.5, 62.5, 125, 250, 500, 1000, 2000, 4000];
const FILTER_COEFF = [1, 2, 4, 8, 16, 16, 16, 16];

/** Raw word giving `target` through a monotonic compensation, by bisection over the 20-bit range. */
function invert(f: (adc: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 0xfffff;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const v = f(mid);
    if (v < target === increasing) lo = mid;
    else hi = mid;
  }
  return Math.abs(f(lo) - target) <= Math.abs(f(hi) - target) ? lo : hi;
}

/**
 * Stands in for a BMP280 on the bus (hardware we do not have), built from the datasheet: the register
 * map, reset to sleep mode, the NVM copy after reset, config writes ignored in normal mode, normal-mode
 * conversions every t_measure + t_standby with the `measuring` bit during each, the IIR filter on the
 * raw words, 0x80000 in the data registers until the first conversion. Pressure and temperature come
 * from profiles of (virtual) time; `fault` decides per transaction; every transaction is recorded.
 */
export class FakeBmp280Bus implements Bmp280Bus {
  readonly address: number;
  readonly calls: { op: "read" | "write"; register: number; length: number; byte?: number }[] = [];
  closed = false;
  /** Per transaction (0-based count of all transactions): a fault instead of the part's answer. */
  fault: (n: number, op: "read" | "write", register: number) => Bmp280Fault | undefined = () => undefined;
  pressureAt: (t_ms: number) => number;
  temperatureAt: (t_ms: number) => number;
  readonly #now: () => number;
  readonly #calBytes: Buffer;
  readonly #cal: Bmp280Calibration;
  readonly #nvmCopyMs: number;
  #regs = new Uint8Array(256);
  #resetAt = Number.NEGATIVE_INFINITY;
  #normalSince: number | undefined;
  #done = -1;
  #filtP: number | undefined;
  #filtT: number | undefined;
  #frozen: { adcP: number; adcT: number } | undefined;
  readonly #noisePa: number;
  readonly #rnd: () => number;

  constructor(opts: FakeBmp280Options) {
    this.#now = opts.now;
    this.address = opts.address ?? 0x76;
    const cal = opts.calibration ?? DATASHEET_CALIBRATION;
    this.#calBytes = Buffer.isBuffer(cal) ? cal : encodeBmp280Calibration(cal);
    this.#cal = Buffer.isBuffer(cal) ? DATASHEET_CALIBRATION : cal;
    this.#nvmCopyMs = opts.nvmCopyMs ?? 1;
    this.pressureAt = opts.pressureAt ?? (() => 101_325);
    this.temperatureAt = opts.temperatureAt ?? (() => 25);
    this.#noisePa = opts.noisePa ?? 0;
    this.#rnd = mulberry32(opts.seed ?? 1);
    this.#powerOn(opts.chipId ?? BMP280_CHIP_IDS.bmp280);
  }

  /** Power-on state: sleep mode, registers at their reset values, data registers 0x80000. */
  #powerOn(chipId: number): void {
    this.#regs = new Uint8Array(256);
    this.#regs[BMP280_REG.id] = chipId;
    this.#calBytes.copy(Buffer.from(this.#regs.buffer), BMP280_REG.calib);
    encodeBmp280Data(BMP280_SKIPPED, BMP280_SKIPPED).copy(Buffer.from(this.#regs.buffer), BMP280_REG.data);
    this.#normalSince = undefined;
    this.#done = -1;
    this.#filtP = undefined;
    this.#filtT = undefined;
  }

  /** A brown-out: the part comes back in sleep mode, unconfigured. */
  powerCycle(): void {
    this.#powerOn(this.#regs[BMP280_REG.id]!);
  }

  /** The converter hangs: the data registers keep these raw words (or the current ones) from now on. */
  freeze(raw?: { adcP: number; adcT: number }): void {
    this.#advance();
    this.#frozen = raw ?? this.#dataWords();
    this.#writeData(this.#frozen.adcP, this.#frozen.adcT);
  }

  /** Raw word for a pressure (Pa) at a temperature (°C), through the datasheet formulas backwards. */
  rawFor(pa: number, celsius: number): { adcP: number; adcT: number } {
    const adcT = invert((a) => compensateTemperature(a, this.#cal).celsius, celsius, true);
    const { tFine } = compensateTemperature(adcT, this.#cal);
    const adcP = invert((a) => compensatePressure(a, tFine, this.#cal), pa, false);
    return { adcP, adcT };
  }

  /** Another part fitted at this address (its id); the registers are otherwise untouched. */
  set chipId(id: number) {
    this.#regs[BMP280_REG.id] = id;
  }

  get chipId(): number {
    return this.#regs[BMP280_REG.id]!;
  }

  get ctrlMeas(): number {
    return this.#regs[BMP280_REG.ctrlMeas]!;
  }

  get config(): number {
    return this.#regs[BMP280_REG.config]!;
  }

  /** Conversions finished since normal mode was entered. */
  get conversions(): number {
    this.#advance();
    return this.#done + 1;
  }

  #dataWords(): { adcP: number; adcT: number } {
    const b = this.#regs.subarray(BMP280_REG.data, BMP280_REG.data + 6);
    return {
      adcP: (b[0]! << 12) | (b[1]! << 4) | (b[2]! >> 4),
      adcT: (b[3]! << 12) | (b[4]! << 4) | (b[5]! >> 4),
    };
  }

  #writeData(adcP: number, adcT: number): void {
    encodeBmp280Data(adcP, adcT).copy(Buffer.from(this.#regs.buffer), BMP280_REG.data);
  }

  #timing(): { measure: number; period: number; coeff: number } {
    const ctrl = this.#regs[BMP280_REG.ctrlMeas]!;
    const cfg = this.#regs[BMP280_REG.config]!;
    const measure = measureMs(ctrl >> 5, (ctrl >> 2) & 7);
    return { measure, period: measure + STANDBY_MS[cfg >> 5]!, coeff: FILTER_COEFF[(cfg >> 2) & 7]! };
  }

  /** Runs every conversion that has finished by now, in order, through the IIR filter. */
  #advance(): void {
    if (this.#normalSince === undefined || this.#frozen) return;
    const { measure, period, coeff } = this.#timing();
    const last = Math.floor((this.#now() - this.#normalSince - measure) / period);
    // Bounded: after a long gap only the newest conversions matter (the filter forgets in ~5·coeff).
    for (let i = Math.max(this.#done + 1, last - 200); i <= last; i++) {
      const at = this.#normalSince + i * period + measure;
      const noise = this.#noisePa
        ? this.#noisePa * Math.sqrt(-2 * Math.log(1 - this.#rnd())) * Math.cos(2 * Math.PI * this.#rnd())
        : 0;
      const { adcP, adcT } = this.rawFor(this.pressureAt(at) + noise, this.temperatureAt(at));
      this.#filtP = this.#filtP === undefined ? adcP : (this.#filtP * (coeff - 1) + adcP) / coeff;
      this.#filtT = this.#filtT === undefined ? adcT : (this.#filtT * (coeff - 1) + adcT) / coeff;
      this.#writeData(Math.round(this.#filtP), Math.round(this.#filtT));
    }
    this.#done = Math.max(this.#done, last);
  }

  #status(): number {
    const now = this.#now();
    let s = now - this.#resetAt < this.#nvmCopyMs ? BMP280_STATUS.imUpdate : 0;
    if (this.#normalSince !== undefined) {
      const { measure, period } = this.#timing();
      if ((now - this.#normalSince) % period < measure) s |= BMP280_STATUS.measuring;
    }
    return s;
  }

  async readI2cBlock(
    address: number,
    register: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    const n = this.calls.length;
    this.calls.push({ op: "read", register, length });
    const f = this.fault(n, "read", register);
    if (f && "throw" in f) throw new Error(f.throw);
    if (f && "hang" in f) return new Promise(() => {});
    if (f && "shortRead" in f) return { bytesRead: f.shortRead, buffer };
    if (f && "bytes" in f) {
      Buffer.from(f.bytes).copy(buffer, 0, 0, length);
      return { bytesRead: length, buffer };
    }
    // Nothing answers at another address: the adapter reports no acknowledge.
    if (address !== this.address) throw new Error("Remote I/O error (no ACK)");
    this.#advance();
    for (let i = 0; i < length; i++) {
      const r = register + i;
      buffer[i] = r === BMP280_REG.status ? this.#status() : (this.#regs[r] ?? 0);
    }
    return { bytesRead: length, buffer };
  }

  async writeByte(address: number, register: number, byte: number): Promise<void> {
    const n = this.calls.length;
    this.calls.push({ op: "write", register, length: 1, byte });
    const f = this.fault(n, "write", register);
    if (f && "throw" in f) throw new Error(f.throw);
    if (f && "hang" in f) return new Promise(() => {});
    if (address !== this.address) throw new Error("Remote I/O error (no ACK)");
    this.#advance();
    if (register === BMP280_REG.reset) {
      if (byte === BMP280_RESET_WORD) {
        this.powerCycle();
        this.#resetAt = this.#now();
      }
      return;
    }
    if (register === BMP280_REG.config) {
      // Datasheet 5.4.6: writes to config in normal mode may be ignored; this model always ignores them.
      if (this.#normalSince === undefined) this.#regs[register] = byte & 0xfd;
      return;
    }
    if (register === BMP280_REG.ctrlMeas) {
      this.#regs[register] = byte;
      const normal = (byte & 0b11) === 0b11;
      if (normal && this.#normalSince === undefined) {
        this.#normalSince = this.#now();
        this.#done = -1;
      }
      if (!normal) this.#normalSince = undefined;
      return;
    }
    // Every other register is read-only.
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
