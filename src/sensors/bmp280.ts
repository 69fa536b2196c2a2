import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import { openI2c } from "../hw/i2c.js";
import type { SensorHealth } from "./ias-source.js";
import type { PressureSample, PressureSource } from "./pressure-source.js";

/**
 * Bosch BMP280 digital static-pressure sensor on a Linux I2C bus (BST-BMP280-DS001). A BME280 answers
 * the same pressure and temperature registers with the same calibration words and formulas (its
 * humidity part is not used), so it is accepted too.
 *
 * Run in normal mode with pressure ×16 / temperature ×2 oversampling ("ultra high resolution"), IIR
 * filter coefficient 4 and 0.5 ms standby: one conversion every ~38 ms (26.3 Hz), RMS noise about 4 cm
 * of altitude, 75 % of a step after 5 samples (~0.19 s) — datasheet tables 4, 6, 7 and 13. The data
 * registers always hold the newest finished conversion, so a reader needs no handshake.
 */

/** The slice of `i2c-bus`'s PromisifiedBus the driver uses; a datasheet-built model stands in for tests. */
export interface Bmp280Bus {
  readI2cBlock(
    address: number,
    register: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeByte(address: number, register: number, byte: number): Promise<void>;
  close(): Promise<void>;
}

/** Register map (datasheet table 18). */
export const BMP280_REG = {
  calib: 0x88,
  id: 0xd0,
  reset: 0xe0,
  status: 0xf3,
  ctrlMeas: 0xf4,
  config: 0xf5,
  data: 0xf7,
} as const;

/** What `id` reads on each part this driver speaks to. */
export const BMP280_CHIP_IDS = { bmp280: 0x58, bme280: 0x60 } as const;
/** Written to `reset`: the power-on-reset procedure. */
export const BMP280_RESET_WORD = 0xb6;
/** `status` bits: a conversion is running / the calibration words are being copied from NVM. */
export const BMP280_STATUS = { measuring: 0x08, imUpdate: 0x01 } as const;
/** SDO to GND: 0x76; SDO to VDDIO: 0x77. */
export const BMP280_ADDRESSES = [0x76, 0x77] as const;
/** Most breakout boards tie SDO low. */
export const DEFAULT_BMP280_ADDRESS = 0x76;

/** "0x76"/"0x77" (or 118/119) → the address, or the reason it is not one the part answers at. */
export function parseBmp280Address(raw: string): { ok: true; value: number } | { ok: false; reason: string } {
  const t = raw.trim();
  const n = /^0x[0-9a-f]{1,2}$/i.test(t) || /^\d{1,3}$/.test(t) ? Number(t) : Number.NaN;
  return (BMP280_ADDRESSES as readonly number[]).includes(n)
    ? { ok: true, value: n }
    : { ok: false, reason: `"${raw}" is not a BMP280 address: 0x76 (SDO to GND) or 0x77 (SDO to VDDIO)` };
}
/** IIR filter coefficients and their `config` codes. */
export const BMP280_FILTERS = { 0: 0, 2: 1, 4: 2, 8: 3, 16: 4 } as const;
export type Bmp280Filter = keyof typeof BMP280_FILTERS;
/** What a data register holds when its measurement is skipped, and after reset before the first conversion. */
export const BMP280_SKIPPED = 0x80000;

/** osrs_t = ×2 (010), osrs_p = ×16 (101), mode = normal (11). */
export const BMP280_CTRL_MEAS = (0b010 << 5) | (0b101 << 2) | 0b11;
/** Datasheet table 13, maximum for ×2 / ×16: 1.25 + 2.3·2 + 2.3·16 + 0.575 ms. */
export const BMP280_MAX_MEASURE_MS = 43.2;
/** Start-up time after power-on or reset (datasheet table 2). */
const STARTUP_MS = 2;

/** Calibration ("trimming") words dig_T1..dig_P9, read once from 0x88–0x9F (table 17). */
export interface Bmp280Calibration {
  T1: number;
  T2: number;
  T3: number;
  P1: number;
  P2: number;
  P3: number;
  P4: number;
  P5: number;
  P6: number;
  P7: number;
  P8: number;
  P9: number;
}

export const BMP280_CALIB_LENGTH = 24;

/** Little-endian words: T1 and P1 unsigned, the others two's complement. */
export function parseBmp280Calibration(buf: Uint8Array): Bmp280Calibration {
  if (buf.length < BMP280_CALIB_LENGTH)
    throw new RangeError(`BMP280 calibration needs ${BMP280_CALIB_LENGTH} bytes, got ${buf.length}`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, BMP280_CALIB_LENGTH);
  const u = (i: number) => b.readUInt16LE(i);
  const s = (i: number) => b.readInt16LE(i);
  return {
    T1: u(0),
    T2: s(2),
    T3: s(4),
    P1: u(6),
    P2: s(8),
    P3: s(10),
    P4: s(12),
    P5: s(14),
    P6: s(16),
    P7: s(18),
    P8: s(20),
    P9: s(22),
  };
}

/** The inverse of parseBmp280Calibration; the bus model in tests stores the words with it. */
export function encodeBmp280Calibration(c: Bmp280Calibration): Buffer {
  const b = Buffer.alloc(BMP280_CALIB_LENGTH);
  const words = [c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9];
  for (const [i, v] of words.entries()) {
    if (i === 0 || i === 3) b.writeUInt16LE(v, 2 * i);
    else b.writeInt16LE(v, 2 * i);
  }
  return b;
}

/**
 * Why a set of calibration words cannot be from a working part, or null. dig_T1 and dig_P1 scale the
 * formulas (dig_P1 = 0 divides by zero); all bytes 0x00 or 0xFF is an empty NVM or a bus that reads
 * nothing but a level.
 */
export function calibrationProblem(raw: Uint8Array, c: Bmp280Calibration): string | null {
  const bytes = [...raw.subarray(0, BMP280_CALIB_LENGTH)];
  if (bytes.every((x) => x === 0x00) || bytes.every((x) => x === 0xff))
    return `calibration words all 0x${bytes[0]!.toString(16).padStart(2, "0")}`;
  if (c.T1 === 0) return "calibration word dig_T1 is 0";
  if (c.P1 === 0) return "calibration word dig_P1 is 0";
  return null;
}

/** Raw 20-bit conversions from the 6-byte burst at 0xF7: press msb/lsb/xlsb, temp msb/lsb/xlsb. */
export function decodeBmp280Data(buf: Uint8Array): { adcP: number; adcT: number } {
  if (buf.length < 6) throw new RangeError(`BMP280 data needs 6 bytes, got ${buf.length}`);
  return {
    adcP: (buf[0]! << 12) | (buf[1]! << 4) | (buf[2]! >> 4),
    adcT: (buf[3]! << 12) | (buf[4]! << 4) | (buf[5]! >> 4),
  };
}

/** The inverse of decodeBmp280Data, for the bus model. */
export function encodeBmp280Data(adcP: number, adcT: number): Buffer {
  const b = Buffer.alloc(6);
  b[0] = (adcP >> 12) & 0xff;
  b[1] = (adcP >> 4) & 0xff;
  b[2] = (adcP & 0xf) << 4;
  b[3] = (adcT >> 12) & 0xff;
  b[4] = (adcT >> 4) & 0xff;
  b[5] = (adcT & 0xf) << 4;
  return b;
}

/**
 * Datasheet 8.1, temperature in double precision: °C, and t_fine, the fine temperature the pressure
 * formula takes (an integer, truncated as the datasheet's cast does).
 */
export function compensateTemperature(
  adcT: number,
  c: Bmp280Calibration,
): { celsius: number; tFine: number } {
  const var1 = (adcT / 16384 - c.T1 / 1024) * c.T2;
  const d = adcT / 131072 - c.T1 / 8192;
  const var2 = d * d * c.T3;
  return { celsius: (var1 + var2) / 5120, tFine: Math.trunc(var1 + var2) };
}

/** Datasheet 8.1, pressure in double precision (Pa); NaN where the datasheet returns 0 (division by zero). */
export function compensatePressure(adcP: number, tFine: number, c: Bmp280Calibration): number {
  let var1 = tFine / 2 - 64000;
  let var2 = (var1 * var1 * c.P6) / 32768;
  var2 = var2 + var1 * c.P5 * 2;
  var2 = var2 / 4 + c.P4 * 65536;
  var1 = ((c.P3 * var1 * var1) / 524288 + c.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.P1;
  if (var1 === 0) return Number.NaN;
  let p = 1048576 - adcP;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (c.P9 * p * p) / 2147483648;
  var2 = (p * c.P8) / 32768;
  return p + (var1 + var2 + c.P7) / 16;
}

/** The part's operating ranges (datasheet table 1): outside them a reading is not a reading. */
export const BMP280_PRESSURE_RANGE_PA = [30_000, 110_000] as const;
export const BMP280_TEMPERATURE_RANGE_C = [-40, 85] as const;

export interface Bmp280Options {
  /**
   * Linux I2C bus number: /dev/i2c-N (the MS4525DO's bus, usually).
   * @default 1
   */
  bus?: number;
  /**
   * 7-bit address, 0x76 (SDO low) or 0x77 (SDO high).
   * @default DEFAULT_BMP280_ADDRESS
   */
  address?: number;
  /**
   * IIR filter coefficient: 0 (off), 2, 4, 8 or 16.
   * @default 4
   */
  filter?: Bmp280Filter;
  /**
   * A bus transaction that takes longer than this fails, 1–1000 ms.
   * @default 50
   */
  readTimeoutMs?: number;
  /**
   * Identical raw conversions for this long mean a hung converter, 500–60 000 ms. At ×16 the 20-bit
   * word's noise spans several counts, so a live chip never repeats itself for long.
   * @default 5000
   */
  stuckMs?: number;
  /**
   * After failing this long the driver configures the chip again (a brown-out resets it to sleep
   * mode, a re-plugged one starts unconfigured), 100–60 000 ms.
   * @default 1000
   */
  reinitAfterMs?: number;
  /** @default openI2cBus (the optional `i2c-bus` package) */
  openBus?: (busNumber: number) => Promise<Bmp280Bus>;
  /** @default `performance.now` */
  now?: () => number;
  /** @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/** Counters since start, for tests and status. */
export interface Bmp280Stats {
  reads: number;
  good: number;
  i2cErrors: number;
  stale: number;
  implausible: number;
  reinits: number;
  chipId: number | undefined;
  lastPressurePa: number | undefined;
  lastTemperatureC: number | undefined;
}

type Outcome =
  | { ok: true; pa: number; celsius: number }
  | { ok: false; state: "stale" | "fault"; reason: string };

/** Loads `i2c-bus` only when the bmp280 is asked for. */
function openI2cBus(busNumber: number): Promise<Bmp280Bus> {
  return openI2c<Bmp280Bus>(busNumber, "the bmp280 static-pressure sensor");
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

export class Bmp280PressureSource implements PressureSource {
  readonly kind = "bmp280";
  readonly busNumber: number;
  readonly address: number;
  readonly filter: Bmp280Filter;
  readonly #timeoutMs: number;
  readonly #stuckMs: number;
  readonly #reinitAfterMs: number;
  readonly #openBus: (n: number) => Promise<Bmp280Bus>;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #log: Logger | undefined;
  #bus: Bmp280Bus | undefined;
  #cal: Bmp280Calibration | undefined;
  #health: SensorHealth;
  /** The last raw pair and since when it has not changed. */
  #lastRaw: { adcP: number; adcT: number; since: number } | undefined;
  #failingSince: number | undefined;
  #lastReinit = Number.NEGATIVE_INFINITY;
  #stats: Bmp280Stats = {
    reads: 0,
    good: 0,
    i2cErrors: 0,
    stale: 0,
    implausible: 0,
    reinits: 0,
    chipId: undefined,
    lastPressurePa: undefined,
    lastTemperatureC: undefined,
  };

  constructor(opts: Bmp280Options = {}) {
    const p = new ProblemList();
    const bus = opts.bus ?? 1;
    p.number("/bus", bus, { min: 0, max: 255, integer: true });
    const address = opts.address ?? DEFAULT_BMP280_ADDRESS;
    if (!(BMP280_ADDRESSES as readonly number[]).includes(address))
      p.add("/address", `must be 0x76 or 0x77 (got ${String(address)})`);
    const filter = opts.filter ?? 4;
    if (!(String(filter) in BMP280_FILTERS))
      p.add("/filter", `must be one of 0, 2, 4, 8, 16 (got ${String(filter)})`);
    const timeout = opts.readTimeoutMs ?? 50;
    p.number("/readTimeoutMs", timeout, { min: 1, max: 1000 });
    const stuck = opts.stuckMs ?? 5000;
    p.number("/stuckMs", stuck, { min: 500, max: 60_000 });
    const reinit = opts.reinitAfterMs ?? 1000;
    p.number("/reinitAfterMs", reinit, { min: 100, max: 60_000 });
    p.throwIfAny("bmp280 settings");
    this.busNumber = bus;
    this.address = address;
    this.filter = filter;
    this.#timeoutMs = timeout;
    this.#stuckMs = stuck;
    this.#reinitAfterMs = reinit;
    this.#openBus = opts.openBus ?? openI2cBus;
    this.#now = opts.now ?? (() => performance.now());
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#log = opts.logger?.child({ tag: "sensor" });
    this.#health = { state: "starting", reason: "not started", errors: 0, source: this.kind };
  }

  get #where(): string {
    return `BMP280 at ${hex(this.address)} on I2C bus ${this.busNumber}`;
  }

  /** Opens the bus, checks the chip, reads its calibration and sets it measuring. */
  async start(): Promise<void> {
    if (this.#bus) return;
    const bus = await this.#openBus(this.busNumber);
    try {
      this.#cal = await this.#configure(bus);
    } catch (err) {
      await bus.close().catch(() => {});
      const reason = (err as Error).message;
      this.#health = { state: "fault", reason, errors: this.#health.errors + 1, source: this.kind };
      throw new Error(`${this.#where}: ${reason}`);
    }
    this.#bus = bus;
    this.#health = { state: "ok", errors: 0, source: this.kind };
    this.#failingSince = undefined;
    this.#lastRaw = undefined;
    // The data registers read 0x80000 until the first conversion ends.
    await this.#sleep(BMP280_MAX_MEASURE_MS);
    this.#log?.info(
      `${this.#where}: chip id ${hex(this.#stats.chipId ?? 0)}, measuring (×16 pressure, IIR ${this.filter})`,
    );
  }

  /** Chip id, reset, calibration words, configuration — each checked; throws a plain-words reason. */
  async #configure(bus: Bmp280Bus): Promise<Bmp280Calibration> {
    const id = (await this.#readRegs(bus, BMP280_REG.id, 1))[0]!;
    this.#stats.chipId = id;
    const known = Object.entries(BMP280_CHIP_IDS).find(([, v]) => v === id);
    if (!known) {
      throw new Error(
        `chip id ${hex(id)} is not a BMP280 (${hex(BMP280_CHIP_IDS.bmp280)}) or BME280 (${hex(BMP280_CHIP_IDS.bme280)}); wrong part or address?`,
      );
    }
    await this.#write(bus, BMP280_REG.reset, BMP280_RESET_WORD);
    await this.#sleep(STARTUP_MS);
    // The calibration words are copied from NVM after a reset; reading them meanwhile gives garbage.
    let copying = true;
    for (let i = 0; i < 10 && copying; i++) {
      copying = ((await this.#readRegs(bus, BMP280_REG.status, 1))[0]! & BMP280_STATUS.imUpdate) !== 0;
      if (copying) await this.#sleep(1);
    }
    if (copying) throw new Error("still copying its calibration from NVM 12 ms after reset");
    const raw = await this.#readRegs(bus, BMP280_REG.calib, BMP280_CALIB_LENGTH);
    const cal = parseBmp280Calibration(raw);
    const bad = calibrationProblem(raw, cal);
    if (bad) throw new Error(`implausible calibration (${bad}); a damaged part or a bus that reads garbage`);
    // config first: it is written in sleep mode (after reset), as the datasheet asks.
    const config = BMP280_FILTERS[this.filter] << 2; // t_sb = 000 (0.5 ms), spi3w_en = 0
    await this.#write(bus, BMP280_REG.config, config);
    await this.#write(bus, BMP280_REG.ctrlMeas, BMP280_CTRL_MEAS);
    const back = await this.#readRegs(bus, BMP280_REG.ctrlMeas, 2);
    if (back[0] !== BMP280_CTRL_MEAS || (back[1]! & 0xfd) !== config) {
      throw new Error(
        `did not keep its configuration (ctrl_meas ${hex(back[0]!)}, config ${hex(back[1]!)} read back)`,
      );
    }
    return cal;
  }

  async read(_host_t_ms?: number): Promise<PressureSample | null> {
    if (!this.#bus || !this.#cal) throw new Error("bmp280 source: call start() before read()");
    const t = this.#now();
    const r = await this.#readOnce(this.#bus, this.#cal, t);
    if (!r.ok) {
      if (this.#health.state === "ok" || this.#health.reason !== r.reason)
        this.#log?.warn(`${this.#where}: ${r.reason}`);
      this.#health = { state: r.state, reason: r.reason, errors: this.#health.errors + 1, source: this.kind };
      this.#failingSince ??= t;
      await this.#maybeReinit(t);
      return null;
    }
    if (this.#health.state !== "ok")
      this.#log?.info(`${this.#where}: readings valid again after ${this.#health.errors} failed`);
    this.#health = { state: "ok", errors: 0, source: this.kind };
    this.#failingSince = undefined;
    this.#stats.lastPressurePa = r.pa;
    this.#stats.lastTemperatureC = r.celsius;
    return { t_ms: t, pressure_pa: r.pa, temperature_c: r.celsius };
  }

  /** A chip that keeps failing may have been reset or re-plugged: configure it again, once a second at most. */
  async #maybeReinit(t: number): Promise<void> {
    const bus = this.#bus;
    if (!bus || this.#failingSince === undefined) return;
    if (t - this.#failingSince < this.#reinitAfterMs || t - this.#lastReinit < this.#reinitAfterMs) return;
    this.#lastReinit = t;
    this.#stats.reinits++;
    try {
      this.#cal = await this.#configure(bus);
      this.#lastRaw = undefined;
      this.#log?.info(
        `${this.#where}: configured again after failing for ${Math.round(t - this.#failingSince)} ms`,
      );
    } catch (err) {
      const reason = `could not configure it again: ${(err as Error).message}`;
      this.#health = { ...this.#health, state: "fault", reason };
    }
  }

  /** One burst read of the six data registers, classified; never throws. */
  async #readOnce(bus: Bmp280Bus, cal: Bmp280Calibration, t: number): Promise<Outcome> {
    this.#stats.reads++;
    let buf: Buffer;
    try {
      buf = await this.#readRegs(bus, BMP280_REG.data, 6);
    } catch (err) {
      this.#stats.i2cErrors++;
      return { ok: false, state: "fault", reason: `I2C read failed: ${(err as Error).message}` };
    }
    const { adcP, adcT } = decodeBmp280Data(buf);
    if (adcP === BMP280_SKIPPED || adcT === BMP280_SKIPPED) {
      this.#stats.stale++;
      return { ok: false, state: "stale", reason: "no conversion yet (data registers at their reset value)" };
    }
    const last = this.#lastRaw;
    if (last && last.adcP === adcP && last.adcT === adcT) {
      if (t - last.since >= this.#stuckMs) {
        return {
          ok: false,
          state: "fault",
          reason: `readings stuck: the same conversion for ${this.#stuckMs / 1000} s or more`,
        };
      }
    } else this.#lastRaw = { adcP, adcT, since: t };
    const { celsius, tFine } = compensateTemperature(adcT, cal);
    const pa = compensatePressure(adcP, tFine, cal);
    const [pMin, pMax] = BMP280_PRESSURE_RANGE_PA;
    const [tMin, tMax] = BMP280_TEMPERATURE_RANGE_C;
    if (!(pa >= pMin && pa <= pMax) || !(celsius >= tMin && celsius <= tMax)) {
      this.#stats.implausible++;
      return {
        ok: false,
        state: "fault",
        reason: `implausible reading: ${Number.isFinite(pa) ? `${pa.toFixed(0)} Pa` : "no pressure"}, ${celsius.toFixed(1)} °C (raw ${adcP}, ${adcT})`,
      };
    }
    this.#stats.good++;
    return { ok: true, pa, celsius };
  }

  /** Reads `length` registers from `register` on, with a deadline; a short read is an error. */
  async #readRegs(bus: Bmp280Bus, register: number, length: number): Promise<Buffer> {
    // A fresh buffer each time: a timed-out read may still complete into its buffer later.
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.#deadline(bus.readI2cBlock(this.address, register, length, buf));
    if (bytesRead !== length)
      throw new Error(`short read at ${hex(register)}: ${bytesRead} of ${length} bytes`);
    return buf;
  }

  #write(bus: Bmp280Bus, register: number, byte: number): Promise<void> {
    return this.#deadline(bus.writeByte(this.address, register, byte));
  }

  async #deadline<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  health(): SensorHealth {
    return { ...this.#health };
  }

  stats(): Bmp280Stats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    const bus = this.#bus;
    this.#bus = undefined;
    this.#cal = undefined;
    this.#health = { state: "starting", reason: "closed", errors: 0, source: this.kind };
    if (bus) {
      // Back to sleep mode, so a stopped unit draws the part's 0.1 µA; a failure changes nothing here.
      await this.#write(bus, BMP280_REG.ctrlMeas, BMP280_CTRL_MEAS & ~0b11).catch(() => {});
      await bus.close();
    }
  }
}
