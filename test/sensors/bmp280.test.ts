import { describe, expect, it } from "vitest";
import { SettingsError } from "../../src/core/problems.js";
import {
  BMP280_CTRL_MEAS,
  BMP280_REG,
  BMP280_SKIPPED,
  type Bmp280Options,
  Bmp280PressureSource,
  calibrationProblem,
  compensatePressure,
  compensateTemperature,
  decodeBmp280Data,
  encodeBmp280Calibration,
  encodeBmp280Data,
  parseBmp280Calibration,
} from "../../src/sensors/bmp280.js";
import { pressureAltitude, pressureAtAltitude } from "../../src/sensors/pressure-source.js";
import { DATASHEET_CALIBRATION, FakeBmp280Bus, type FakeBmp280Options } from "./fake-bmp280-bus.js";

/** A driver on the datasheet model, both on one virtual clock that only the driver's sleeps (and `tick`) move. */
function rig(model: Partial<FakeBmp280Options> = {}, opts: Bmp280Options = {}) {
  const clock = { t: 0 };
  const now = () => clock.t;
  const bus = new FakeBmp280Bus({ now, ...model });
  const src = new Bmp280PressureSource({
    openBus: async () => bus,
    now,
    sleep: async (ms) => {
      clock.t += ms;
    },
    ...opts,
  });
  const tick = (ms: number) => {
    clock.t += ms;
  };
  return { bus, src, clock, tick };
}

describe("BMP280 datasheet formulas", () => {
  it("reads the calibration words little-endian, T1/P1 unsigned and the rest signed", () => {
    const raw = encodeBmp280Calibration(DATASHEET_CALIBRATION);
    // dig_T1 = 27504 = 0x6B70 at 0x88 (LSB) / 0x89 (MSB); dig_T3 = -1000 = 0xFC18.
    expect([...raw.subarray(0, 6)]).toEqual([0x70, 0x6b, 0x43, 0x67, 0x18, 0xfc]);
    expect(parseBmp280Calibration(raw)).toEqual(DATASHEET_CALIBRATION);
    // A word above 0x7FFF is negative in a signed slot and positive in T1/P1.
    const big = Buffer.alloc(24, 0xff);
    const c = parseBmp280Calibration(big);
    expect([c.T1, c.P1, c.T2, c.P9]).toEqual([65535, 65535, -1, -1]);
    expect(() => parseBmp280Calibration(new Uint8Array(23))).toThrow(/24 bytes/);
  });

  it("gives the worked example: adc_T 519888 → 25.08 °C (t_fine 128422), adc_P 415148 → 100653.27 Pa", () => {
    const t = compensateTemperature(519888, DATASHEET_CALIBRATION);
    expect(t.celsius).toBeCloseTo(25.08, 2);
    expect(t.tFine).toBe(128422);
    // The datasheet's table rounds its intermediate values; the formula itself lands 0.012 Pa lower,
    // a tenth of the 0.16 Pa resolution at ×16.
    expect(Math.abs(compensatePressure(415148, t.tFine, DATASHEET_CALIBRATION) - 100653.27)).toBeLessThan(
      0.02,
    );
  });

  it("unpacks the 20-bit words from the burst (msb, lsb, xlsb[7:4])", () => {
    // 415148 = 0x655AC, 519888 = 0x7EED0
    const b = Uint8Array.from([0x65, 0x5a, 0xc0, 0x7e, 0xed, 0x00]);
    expect(decodeBmp280Data(b)).toEqual({ adcP: 415148, adcT: 519888 });
    expect([...encodeBmp280Data(415148, 519888)]).toEqual([...b]);
    expect(decodeBmp280Data(encodeBmp280Data(BMP280_SKIPPED, 1))).toEqual({ adcP: BMP280_SKIPPED, adcT: 1 });
    expect(() => decodeBmp280Data(new Uint8Array(5))).toThrow(/6 bytes/);
  });

  it("refuses calibrations no working part has", () => {
    const ok = encodeBmp280Calibration(DATASHEET_CALIBRATION);
    expect(calibrationProblem(ok, DATASHEET_CALIBRATION)).toBeNull();
    for (const [raw, why] of [
      [Buffer.alloc(24, 0), /all 0x00/],
      [Buffer.alloc(24, 0xff), /all 0xff/],
      [encodeBmp280Calibration({ ...DATASHEET_CALIBRATION, T1: 0 }), /dig_T1 is 0/],
      [encodeBmp280Calibration({ ...DATASHEET_CALIBRATION, P1: 0 }), /dig_P1 is 0/],
    ] as const) {
      expect(calibrationProblem(raw, parseBmp280Calibration(raw))).toMatch(why);
    }
    // dig_P1 = 0 is the datasheet's division by zero: no number comes out.
    expect(compensatePressure(415148, 128422, { ...DATASHEET_CALIBRATION, P1: 0 })).toBeNaN();
  });

  it("pressure altitude follows the ISA: 0 m at 101325 Pa, ~8.3 m per 100 Pa near the ground, and inverts", () => {
    expect(pressureAltitude(101_325)).toBeCloseTo(0, 9);
    expect(pressureAltitude(101_225)).toBeCloseTo(8.32, 1);
    // ISA: 1000 m ↔ 89 874.6 Pa
    expect(pressureAtAltitude(1000)).toBeCloseTo(89_874.6, 0);
    for (const h of [-200, 0, 123.4, 450, 3000])
      expect(pressureAltitude(pressureAtAltitude(h))).toBeCloseTo(h, 6);
  });
});

describe("BMP280 driver on the datasheet bus model", () => {
  it("checks the chip, resets, reads calibration, writes config before normal mode, and measures", async () => {
    const { bus, src, tick } = rig({ pressureAt: () => 95_000, temperatureAt: () => 21.5 });
    await src.start();
    expect(src.health()).toEqual({ state: "ok", errors: 0, source: "bmp280" });
    // The model ignores config writes in normal mode (as the part may): the filter only sticks if written first.
    expect(bus.config).toBe(2 << 2);
    expect(bus.ctrlMeas).toBe(BMP280_CTRL_MEAS);
    const writes = bus.calls.filter((c) => c.op === "write").map((c) => c.register);
    expect(writes).toEqual([BMP280_REG.reset, BMP280_REG.config, BMP280_REG.ctrlMeas]);
    tick(100);
    const s = await src.read(0);
    expect(s).not.toBeNull();
    // 20-bit ×16: within a count or two of 0.16 Pa.
    expect(s!.pressure_pa).toBeCloseTo(95_000, 0);
    expect(s!.temperature_c).toBeCloseTo(21.5, 1);
    expect(src.stats().chipId).toBe(0x58);
  });

  it("reads the worked example's raw words as 100653.27 Pa and 25.08 °C end to end", async () => {
    const { bus, src, tick } = rig();
    await src.start();
    bus.freeze({ adcP: 415148, adcT: 519888 });
    tick(40);
    const s = await src.read(0);
    expect(Math.abs(s!.pressure_pa - 100653.27)).toBeLessThan(0.02);
    expect(s!.temperature_c).toBeCloseTo(25.08, 2);
  });

  it("runs conversions at the datasheet's rate and tracks a 10 m/s climb within the IIR filter's lag", async () => {
    const climbFrom = 1000;
    const alt = (t: number) => (t < climbFrom ? 0 : ((t - climbFrom) / 1000) * 10);
    const { bus, src, tick, clock } = rig({ pressureAt: (t) => pressureAtAltitude(alt(t)) });
    await src.start();
    const start = bus.conversions;
    tick(1000);
    // x16/x2 typical 37.5 ms + 0.5 ms standby: 26.3 Hz.
    expect(bus.conversions - start).toBeGreaterThanOrEqual(25);
    expect(bus.conversions - start).toBeLessThanOrEqual(27);
    const errs: number[] = [];
    for (let i = 0; i < 100; i++) {
      tick(50);
      const s = await src.read(0);
      expect(s).not.toBeNull();
      if (clock.t > climbFrom + 1000) errs.push(pressureAltitude(s!.pressure_pa) - alt(clock.t));
    }
    // Filter coefficient 4 at 26 Hz lags ~0.1 s behind: ~1 m low at 10 m/s, never more than 2 m.
    for (const e of errs) {
      expect(e).toBeLessThan(0);
      expect(e).toBeGreaterThan(-2);
    }
  });

  it("accepts a BME280 (same pressure registers), and refuses any other chip id with nothing set going", async () => {
    const bme = rig({ chipId: 0x60 });
    await bme.src.start();
    expect(bme.src.health().state).toBe("ok");
    for (const id of [0x55, 0x50, 0x00, 0xff]) {
      const { bus, src } = rig({ chipId: id });
      const hexId = `0x${id.toString(16).padStart(2, "0")}`;
      await expect(src.start()).rejects.toThrow(
        new RegExp(`BMP280 at 0x76 on I2C bus 1: chip id ${hexId} is not a BMP280 \\(0x58\\)`),
      );
      expect(src.health()).toMatchObject({ state: "fault", reason: expect.stringMatching(/chip id/) });
      // Nothing written to a part we do not know, and the bus handle is released.
      expect(bus.calls.filter((c) => c.op === "write")).toEqual([]);
      expect(bus.closed).toBe(true);
      await expect(src.read(0)).rejects.toThrow(/call start\(\) before read\(\)/);
    }
  });

  it("refuses an implausible calibration before setting the part measuring", async () => {
    for (const calibration of [
      Buffer.alloc(24, 0),
      Buffer.alloc(24, 0xff),
      encodeBmp280Calibration({ ...DATASHEET_CALIBRATION, T1: 0 }),
      encodeBmp280Calibration({ ...DATASHEET_CALIBRATION, P1: 0 }),
    ]) {
      const { bus, src } = rig({ calibration });
      await expect(src.start()).rejects.toThrow(/implausible calibration/);
      expect(bus.ctrlMeas).toBe(0);
      expect(bus.closed).toBe(true);
    }
  });

  it("says why when nothing answers: wrong address, a bus error, a hung transaction", async () => {
    const wrong = rig({ address: 0x77 });
    await expect(wrong.src.start()).rejects.toThrow(/BMP280 at 0x76 .*no ACK/);
    const broken = rig();
    broken.bus.fault = () => ({ throw: "EIO" });
    await expect(broken.src.start()).rejects.toThrow(/EIO/);
    const hung = rig({}, { readTimeoutMs: 5 });
    hung.bus.fault = () => ({ hang: true });
    await expect(hung.src.start()).rejects.toThrow(/no answer within 5 ms/);
    const short = rig();
    short.bus.fault = () => ({ shortRead: 0 });
    await expect(short.src.start()).rejects.toThrow(/short read at 0xd0: 0 of 1 bytes/);
  });

  it("a read that fails or reads garbage gives null and a reason; the next good read is ok again", async () => {
    const { bus, src, tick } = rig({ pressureAt: () => 100_000 });
    await src.start();
    const faults: ReturnType<typeof bus.fault>[] = [
      { throw: "Remote I/O error" },
      { bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] },
      { bytes: [0, 0, 0, 0, 0, 0] },
      { shortRead: 3 },
    ];
    const reasons: (string | undefined)[] = [];
    for (const f of faults) {
      bus.fault = (_n, op) => (op === "read" ? f : undefined);
      tick(50);
      expect(await src.read(0)).toBeNull();
      reasons.push(src.health().reason);
      expect(src.health().state).toBe("fault");
    }
    expect(reasons[0]).toMatch(/I2C read failed: Remote I\/O error/);
    expect(reasons[1]).toMatch(/implausible reading/);
    expect(reasons[2]).toMatch(/implausible reading/);
    expect(reasons[3]).toMatch(/short read/);
    expect(src.health().errors).toBe(4);
    bus.fault = () => undefined;
    tick(50);
    const s = await src.read(0);
    expect(s!.pressure_pa).toBeCloseTo(100_000, 0);
    expect(src.health()).toEqual({ state: "ok", errors: 0, source: "bmp280" });
    expect(src.stats()).toMatchObject({ i2cErrors: 2, implausible: 2 });
  });

  it("a hung converter (the same words for 5 s) is a fault, not a steady altitude", async () => {
    const { bus, src, tick } = rig();
    await src.start();
    tick(50);
    expect(await src.read(0)).not.toBeNull();
    bus.freeze();
    let s: Awaited<ReturnType<typeof src.read>> = null;
    for (let i = 0; i < 200; i++) {
      tick(50);
      s = await src.read(0);
      if (!s) break;
    }
    expect(s).toBeNull();
    expect(src.health()).toMatchObject({ state: "fault", reason: expect.stringMatching(/stuck.*5 s/) });
  });

  it("a brown-out (back in sleep mode, data at 0x80000) is stale, then configured again and valid", async () => {
    const { bus, src, tick } = rig({ pressureAt: () => 99_000 });
    await src.start();
    tick(50);
    expect(await src.read(0)).not.toBeNull();
    bus.powerCycle();
    tick(50);
    expect(await src.read(0)).toBeNull();
    expect(src.health()).toMatchObject({
      state: "stale",
      reason: expect.stringMatching(/no conversion yet/),
    });
    let back: Awaited<ReturnType<typeof src.read>> = null;
    for (let i = 0; i < 40 && !back; i++) {
      tick(50);
      back = await src.read(0);
    }
    expect(back!.pressure_pa).toBeCloseTo(99_000, 0);
    expect(src.stats().reinits).toBe(1);
    expect(bus.ctrlMeas).toBe(BMP280_CTRL_MEAS);
  });

  it("close puts the part to sleep and releases the bus", async () => {
    const { bus, src } = rig();
    await src.start();
    await src.close();
    expect(bus.ctrlMeas & 0b11).toBe(0);
    expect(bus.closed).toBe(true);
    expect(src.health().state).toBe("starting");
  });

  it("refuses bad settings, listing every one", () => {
    let err: unknown;
    try {
      new Bmp280PressureSource({ address: 0x28, filter: 3 as never, bus: -1, readTimeoutMs: 0, stuckMs: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    const msg = (err as Error).message;
    for (const f of ["address", "filter", "bus", "readTimeoutMs", "stuckMs"])
      expect(msg).toContain(`${f} must`);
    expect(msg).toMatch(/0x76 or 0x77/);
  });
});
