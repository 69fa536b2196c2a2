import type { Logger } from "../core/logger.js";
import { ProblemList } from "../core/problems.js";
import { openI2c } from "../hw/i2c.js";
import type { IasSample, IasSource, SensorHealth } from "./ias-source.js";

/**
 * TE Connectivity MS4525DO digital differential-pressure sensor on a Linux I2C bus.
 *
 * One read returns four bytes: status (2 bits) + bridge pressure (14 bits), then temperature
 * (11 bits, left-aligned). Pressure counts map linearly onto the part's range between 10 % and 90 %
 * of 16383 (output type A) or 5 % and 95 % (type B). Airspeed comes from the pitot-static
 * difference after subtracting a zero offset measured at start with the pitot still.
 */

/** The slice of `i2c-bus`'s PromisifiedBus we use; a fake built from datasheet values stands in for tests. */
export interface I2cBus {
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  close(): Promise<void>;
}

export type Ms4525OutputType = "A" | "B";

/** Datasheet status bits (the two MSBs of the first byte). */
export const MS4525_STATUS = { normal: 0, reserved: 1, stale: 2, fault: 3 } as const;

/** Interface codes I, J, K and 0–9 of the part number. */
export const MS4525_ADDRESSES = [
  0x28, 0x36, 0x46, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51,
] as const;

/** Full-scale pressures (psi) the part is made in. */
export const MS4525_RANGES_PSI = [1, 2, 5, 15, 30, 50, 100, 150] as const;

export const PA_PER_PSI = 6894.757;
/** ISA sea-level air density: IAS is defined against it, not the actual density. */
export const RHO0 = 1.225;

const FULL_SCALE = 16383;
const OUTPUT_SPAN: Record<Ms4525OutputType, [number, number]> = {
  A: [0.1 * FULL_SCALE, 0.9 * FULL_SCALE],
  B: [0.05 * FULL_SCALE, 0.95 * FULL_SCALE],
};

export interface Ms4525Frame {
  status: number;
  /** 14-bit bridge pressure counts. */
  pressureCounts: number;
  /** 11-bit temperature counts. */
  temperatureCounts: number;
}

export function decodeMs4525Frame(buf: Uint8Array): Ms4525Frame {
  if (buf.length < 4) throw new RangeError(`MS4525DO frame needs 4 bytes, got ${buf.length}`);
  const b0 = buf[0]!;
  return {
    status: b0 >> 6,
    pressureCounts: ((b0 & 0x3f) << 8) | buf[1]!,
    temperatureCounts: (buf[2]! << 3) | (buf[3]! >> 5),
  };
}

/** The inverse of decodeMs4525Frame; the fake bus in tests uses it to speak like the part. */
export function encodeMs4525Frame(f: Ms4525Frame): Buffer {
  const b = Buffer.alloc(4);
  b[0] = ((f.status & 0x3) << 6) | ((f.pressureCounts >> 8) & 0x3f);
  b[1] = f.pressureCounts & 0xff;
  b[2] = (f.temperatureCounts >> 3) & 0xff;
  b[3] = (f.temperatureCounts & 0x7) << 5;
  return b;
}

export interface Ms4525Range {
  outputType: Ms4525OutputType;
  pminPsi: number;
  pmaxPsi: number;
}

/** Datasheet transfer function: counts → psi for the output type and range in use. */
export function countsToPsi(counts: number, r: Ms4525Range): number {
  const [cmin, cmax] = OUTPUT_SPAN[r.outputType];
  return ((counts - cmin) * (r.pmaxPsi - r.pminPsi)) / (cmax - cmin) + r.pminPsi;
}

/** Datasheet: T = counts · 200 / 2047 − 50 (°C). */
export function temperatureFromCounts(counts: number): number {
  return (counts * 200) / 2047 - 50;
}

/** IAS from pitot-static difference; a negative difference (noise, or tubes swapped) reads as 0. */
export function iasFromDiffPressure(deltaPa: number): number {
  return deltaPa > 0 ? Math.sqrt((2 * deltaPa) / RHO0) : 0;
}

/** The bus of the Raspberry Pi's header pins, where the sensor is usually wired. */
export const DEFAULT_I2C_BUS = 1;

export interface Ms4525Options {
  /**
   * Linux I2C bus number: /dev/i2c-N.
   * @default DEFAULT_I2C_BUS
   */
  bus?: number;
  /**
   * 7-bit address of the part.
   * @default 0x28
   */
  address?: number;
  /**
   * Output type letter from the part number.
   * @default "A"
   */
  outputType?: Ms4525OutputType;
  /**
   * Part-number range code: full scale in psi (3 digits) + pressure type, D = differential (±P),
   * G = gauge (0..P). Default "001D", the ±1 psi part fitted to common airspeed boards.
   * Give `pminPsi` and `pmaxPsi` instead for anything else.
   * @default "001D"
   */
  range?: string;
  /** @default undefined (taken from `range`) */
  pminPsi?: number;
  /** @default undefined (taken from `range`) */
  pmaxPsi?: number;
  /**
   * Readings averaged for the zero offset at start, 1–1000.
   * @default 50
   */
  calibrationSamples?: number;
  /**
   * Pause between calibration readings, 0–1000 ms.
   * @default 5
   */
  calibrationIntervalMs?: number;
  /**
   * A read that takes longer than this fails.
   * @default 250 ms
   */
  readTimeoutMs?: number;
  /**
   * Opens the bus; default loads the optional `i2c-bus` package.
   * @default openI2cBus (the optional `i2c-bus` package)
   */
  openBus?: (busNumber: number) => Promise<I2cBus>;
  /** @default `performance.now` */
  now?: () => number;
  /** @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/** Counters since start, for status pages and tests. */
export interface Ms4525Stats {
  reads: number;
  good: number;
  i2cErrors: number;
  stale: number;
  faults: number;
  zeroOffsetPa: number | undefined;
  lastTemperatureC: number | undefined;
  lastDiffPressurePa: number | undefined;
}

type Outcome = { ok: true; pa: number } | { ok: false; state: "stale" | "fault"; reason: string };

const CALIBRATION_GIVE_UP_AFTER = 10;

function parseRange(p: ProblemList, opts: Ms4525Options): { pminPsi: number; pmaxPsi: number } | undefined {
  const explicit = opts.pminPsi !== undefined || opts.pmaxPsi !== undefined;
  if (explicit && opts.range !== undefined) {
    p.add("/range", "give either range or pminPsi/pmaxPsi, not both");
    return undefined;
  }
  if (explicit) {
    const okMin = p.number("/pminPsi", opts.pminPsi, { min: -150, max: 150 });
    const okMax = p.number("/pmaxPsi", opts.pmaxPsi, { min: -150, max: 150 });
    if (okMin && okMax && opts.pminPsi! >= opts.pmaxPsi!) p.add("/pmaxPsi", "must be above pminPsi");
    return { pminPsi: opts.pminPsi!, pmaxPsi: opts.pmaxPsi! };
  }
  const code = opts.range ?? "001D";
  const m = /^(\d{3})([DG])$/.exec(code);
  const psi = m ? Number(m[1]) : Number.NaN;
  if (!m || !(MS4525_RANGES_PSI as readonly number[]).includes(psi)) {
    p.add(
      "/range",
      `must be a part range code like "001D" (psi ${MS4525_RANGES_PSI.join("/")}, D or G), got ${JSON.stringify(code)}`,
    );
    return undefined;
  }
  return m[2] === "D" ? { pminPsi: -psi, pmaxPsi: psi } : { pminPsi: 0, pmaxPsi: psi };
}

/** Loads `i2c-bus` only when the ms4525do source is asked for. */
function openI2cBus(busNumber: number): Promise<I2cBus> {
  return openI2c<I2cBus>(busNumber, "the ms4525do source");
}

export class Ms4525IasSource implements IasSource {
  readonly kind = "ms4525do";
  readonly busNumber: number;
  readonly address: number;
  readonly range: Ms4525Range;
  readonly #calSamples: number;
  readonly #calIntervalMs: number;
  readonly #timeoutMs: number;
  readonly #openBus: (n: number) => Promise<I2cBus>;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #log: Logger | undefined;
  #bus: I2cBus | undefined;
  #offsetPa: number | undefined;
  #health: SensorHealth;
  #stats: Ms4525Stats = {
    reads: 0,
    good: 0,
    i2cErrors: 0,
    stale: 0,
    faults: 0,
    zeroOffsetPa: undefined,
    lastTemperatureC: undefined,
    lastDiffPressurePa: undefined,
  };

  constructor(opts: Ms4525Options = {}) {
    const p = new ProblemList();
    const bus = opts.bus ?? DEFAULT_I2C_BUS;
    p.number("/bus", bus, { min: 0, max: 255, integer: true });
    const address = opts.address ?? 0x28;
    if (!(MS4525_ADDRESSES as readonly number[]).includes(address)) {
      p.add(
        "/address",
        `must be one of ${MS4525_ADDRESSES.map((a) => `0x${a.toString(16)}`).join(", ")} (got ${String(address)})`,
      );
    }
    const outputType = opts.outputType ?? "A";
    if (outputType !== "A" && outputType !== "B")
      p.add("/outputType", `must be "A" or "B" (got ${JSON.stringify(outputType)})`);
    const range = parseRange(p, opts);
    const calSamples = opts.calibrationSamples ?? 50;
    p.number("/calibrationSamples", calSamples, { min: 1, max: 1000, integer: true });
    const calInterval = opts.calibrationIntervalMs ?? 5;
    p.number("/calibrationIntervalMs", calInterval, { min: 0, max: 1000 });
    const timeout = opts.readTimeoutMs ?? 250;
    p.number("/readTimeoutMs", timeout, { min: 1, max: 10_000 });
    p.throwIfAny("ms4525do settings");
    this.busNumber = bus;
    this.address = address;
    this.range = { outputType, ...range! };
    this.#calSamples = calSamples;
    this.#calIntervalMs = calInterval;
    this.#timeoutMs = timeout;
    this.#openBus = opts.openBus ?? openI2cBus;
    this.#now = opts.now ?? (() => performance.now());
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#log = opts.logger?.child({ tag: "sensor" });
    this.#health = { state: "starting", reason: "not started", errors: 0, source: this.kind };
  }

  get #where(): string {
    return `MS4525DO at 0x${this.address.toString(16)} on I2C bus ${this.busNumber}`;
  }

  /** Opens the bus and measures the zero offset; the pitot must see no airflow meanwhile. */
  async start(): Promise<void> {
    if (this.#bus) return;
    const bus = await this.#openBus(this.busNumber);
    this.#bus = bus;
    try {
      this.#offsetPa = await this.#calibrate();
    } catch (err) {
      this.#bus = undefined;
      await bus.close().catch(() => {});
      this.#health = {
        state: "fault",
        reason: (err as Error).message,
        errors: this.#health.errors,
        source: this.kind,
      };
      throw err;
    }
    this.#stats.zeroOffsetPa = this.#offsetPa;
    this.#health = { state: "ok", errors: 0, source: this.kind };
    const spanPa = (this.range.pmaxPsi - this.range.pminPsi) * PA_PER_PSI;
    const msg = `${this.#where} calibrated: zero offset ${this.#offsetPa.toFixed(1)} Pa from ${this.#calSamples} readings`;
    // A large offset usually means wind on the pitot during start rather than a sensor offset.
    if (Math.abs(this.#offsetPa) > 0.02 * spanPa)
      this.#log?.warn(`${msg}; unusually large, was the pitot still?`);
    else this.#log?.info(msg);
  }

  async #calibrate(): Promise<number> {
    let sum = 0;
    let got = 0;
    let failedInRow = 0;
    let lastProblem = "";
    const maxAttempts = this.#calSamples * 2 + CALIBRATION_GIVE_UP_AFTER;
    for (let attempt = 0; attempt < maxAttempts && got < this.#calSamples; attempt++) {
      if (attempt > 0 && this.#calIntervalMs > 0) await this.#sleep(this.#calIntervalMs);
      const r = await this.#readOnce();
      if (r.ok) {
        sum += r.pa;
        got++;
        failedInRow = 0;
        continue;
      }
      lastProblem = r.reason;
      // Stale data between conversions is normal; only real failures count towards giving up early.
      if (r.state === "fault" && ++failedInRow >= CALIBRATION_GIVE_UP_AFTER) break;
    }
    if (got < this.#calSamples) {
      throw new Error(
        `${this.#where}: zero-offset calibration failed, ${got} of ${this.#calSamples} readings valid (last problem: ${lastProblem})`,
      );
    }
    return sum / got;
  }

  async read(): Promise<IasSample | null> {
    if (!this.#bus || this.#offsetPa === undefined)
      throw new Error("ms4525do source: call start() before read()");
    const t = this.#now();
    const r = await this.#readOnce();
    if (!r.ok) {
      const errors = this.#health.errors + 1;
      if (this.#health.state === "ok" || this.#health.reason !== r.reason) {
        this.#log?.warn(`${this.#where}: ${r.reason}; will retry`);
      }
      this.#health = { state: r.state, reason: r.reason, errors, source: this.kind };
      return null;
    }
    if (this.#health.state !== "ok") {
      this.#log?.info(`${this.#where}: readings valid again after ${this.#health.errors} failed`);
    }
    this.#health = { state: "ok", errors: 0, source: this.kind };
    const delta = r.pa - this.#offsetPa;
    this.#stats.lastDiffPressurePa = delta;
    return { t_ms: t, ias_mps: iasFromDiffPressure(delta) };
  }

  /** One bus transaction, classified; never throws. */
  async #readOnce(): Promise<Outcome> {
    const bus = this.#bus!;
    this.#stats.reads++;
    // A fresh buffer each time: a timed-out read may still complete into its buffer later.
    const buf = Buffer.alloc(4);
    let timer: NodeJS.Timeout | undefined;
    let bytesRead: number;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
        timer.unref();
      });
      ({ bytesRead } = await Promise.race([bus.i2cRead(this.address, 4, buf), timeout]));
    } catch (err) {
      this.#stats.i2cErrors++;
      return { ok: false, state: "fault", reason: `I2C read failed: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
    if (bytesRead !== 4) {
      this.#stats.i2cErrors++;
      return { ok: false, state: "fault", reason: `I2C short read: ${bytesRead} of 4 bytes` };
    }
    const f = decodeMs4525Frame(buf);
    if (f.status === MS4525_STATUS.stale) {
      this.#stats.stale++;
      return {
        ok: false,
        state: "stale",
        reason: "sensor returned stale data (no new conversion since the last read)",
      };
    }
    if (f.status !== MS4525_STATUS.normal) {
      this.#stats.faults++;
      const what = f.status === MS4525_STATUS.fault ? "diagnostic fault" : "reserved status (command mode)";
      return { ok: false, state: "fault", reason: `sensor reports ${what}` };
    }
    this.#stats.good++;
    this.#stats.lastTemperatureC = temperatureFromCounts(f.temperatureCounts);
    return { ok: true, pa: countsToPsi(f.pressureCounts, this.range) * PA_PER_PSI };
  }

  health(): SensorHealth {
    return { ...this.#health };
  }

  stats(): Ms4525Stats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    const bus = this.#bus;
    this.#bus = undefined;
    this.#offsetPa = undefined;
    this.#health = { state: "starting", reason: "closed", errors: 0, source: this.kind };
    if (bus) await bus.close();
  }
}
