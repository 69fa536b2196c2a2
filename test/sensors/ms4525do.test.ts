import { describe, expect, it } from "vitest";
import { SettingsError } from "../../src/core/problems.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import {
  countsToPsi,
  decodeMs4525Frame,
  encodeMs4525Frame,
  iasFromDiffPressure,
  Ms4525IasSource,
  type Ms4525Options,
  PA_PER_PSI,
  temperatureFromCounts,
} from "../../src/sensors/ms4525do.js";
import { countsForPa, type FakeAnswer, FakeMs4525Bus } from "./fake-ms4525-bus.js";

const A1 = { outputType: "A", pminPsi: -1, pmaxPsi: 1 } as const;
const B1 = { outputType: "B", pminPsi: -1, pmaxPsi: 1 } as const;
const KMH = 1000 / 3600;

function source(answer: (n: number) => FakeAnswer, opts: Ms4525Options = {}) {
  const bus = new FakeMs4525Bus(answer);
  let t = 0;
  const src = new Ms4525IasSource({
    calibrationSamples: 10,
    openBus: async () => bus,
    sleep: async () => {},
    now: () => (t += 50),
    ...opts,
  });
  return { bus, src };
}

describe("MS4525DO datasheet conversions", () => {
  it("unpacks status, 14-bit pressure and 11-bit temperature from the 4-byte frame", () => {
    // status 00, bridge 0x2000 = 8192, temperature bits 0x7F:111 = 1023
    expect(decodeMs4525Frame(Uint8Array.from([0x20, 0x00, 0x7f, 0xe0]))).toEqual({
      status: 0,
      pressureCounts: 8192,
      temperatureCounts: 1023,
    });
    expect(decodeMs4525Frame(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toEqual({
      status: 3,
      pressureCounts: 16383,
      temperatureCounts: 2047,
    });
    expect(decodeMs4525Frame(Uint8Array.from([0x80, 0x01, 0x00, 0x20])).status).toBe(2);
    for (const f of [
      { status: 1, pressureCounts: 1638, temperatureCounts: 0 },
      { status: 2, pressureCounts: 14745, temperatureCounts: 2047 },
      { status: 0, pressureCounts: 12345, temperatureCounts: 777 },
    ]) {
      expect(decodeMs4525Frame(encodeMs4525Frame(f))).toEqual(f);
    }
    expect(() => decodeMs4525Frame(Uint8Array.from([1, 2, 3]))).toThrow(/4 bytes/);
  });

  it.each([
    // [counts, range, psi]: the ends of the output span are Pmin and Pmax, the middle is 0
    [1638.3, A1, -1],
    [8191.5, A1, 0],
    [14744.7, A1, 1],
    [819.15, B1, -1],
    [8191.5, B1, 0],
    [15563.85, B1, 1],
    [1638.3, { outputType: "A", pminPsi: 0, pmaxPsi: 1 }, 0],
    [14744.7, { outputType: "A", pminPsi: 0, pmaxPsi: 1 }, 1],
  ] as const)("counts %d → %d psi", (counts, range, psi) => {
    expect(countsToPsi(counts, range)).toBeCloseTo(psi, 9);
  });

  it("integer counts of a type A ±1 psi part land within one count of the nominal pressures", () => {
    const onePsiPerCount = 2 / (0.8 * 16383);
    expect(Math.abs(countsToPsi(8192, A1))).toBeLessThan(onePsiPerCount);
    expect(countsToPsi(14745, A1)).toBeCloseTo(1, 3);
    expect(countsToPsi(1638, A1)).toBeCloseTo(-1, 3);
  });

  it("converts temperature counts", () => {
    expect(temperatureFromCounts(0)).toBe(-50);
    expect(temperatureFromCounts(2047)).toBe(150);
    expect(temperatureFromCounts(1023)).toBeCloseTo(49.95, 2);
  });

  it("computes IAS = sqrt(2·Δp/ρ0) and clamps negative Δp to 0", () => {
    const v = 100 * KMH;
    expect(iasFromDiffPressure(0.5 * 1.225 * v * v)).toBeCloseTo(v, 9);
    expect(iasFromDiffPressure(PA_PER_PSI)).toBeCloseTo(106.1, 1);
    expect(iasFromDiffPressure(0)).toBe(0);
    expect(iasFromDiffPressure(-50)).toBe(0);
  });
});

describe("Ms4525IasSource", () => {
  const dpFor = (kmh: number) => 0.5 * 1.225 * (kmh * KMH) ** 2;

  it("calibrates the zero offset at start and reads IAS relative to it", async () => {
    // The part reads +40 Pa with the pitot still; that offset must not show as airspeed.
    const offset = 40;
    let flowPa = 0;
    const { src, bus } = source(() => ({
      pressureCounts: countsForPa(offset + flowPa),
      temperatureCounts: 1023,
    }));
    expect(src.health().state).toBe("starting");
    await src.start();
    expect(bus.calls).toHaveLength(10);
    expect(bus.calls[0]).toEqual({ address: 0x28, length: 4 });
    expect(Math.abs(src.stats().zeroOffsetPa! - offset)).toBeLessThan(1.06); // one count is 1.05 Pa
    expect(src.health()).toEqual({ state: "ok", errors: 0, source: "ms4525do" });

    const still = await src.read();
    expect(still!.ias_mps).toBeLessThan(1.5); // within one count of zero
    for (const kmh of [60, 100, 150]) {
      flowPa = dpFor(kmh);
      const s = await src.read();
      expect(s!.ias_mps / KMH).toBeCloseTo(kmh, 0);
    }
    expect(src.stats().lastTemperatureC).toBeCloseTo(49.95, 2);
    flowPa = -30; // static port above pitot pressure: clamped, not NaN
    expect((await src.read())!.ias_mps).toBe(0);
  });

  it("honours address, output type B and a range code", async () => {
    const seen: number[] = [];
    const bus = new FakeMs4525Bus(() => ({ pressureCounts: 8192 }));
    const src = new Ms4525IasSource({
      address: 0x36,
      outputType: "B",
      range: "002D",
      calibrationSamples: 3,
      openBus: async (n) => {
        seen.push(n);
        return bus;
      },
      bus: 3,
      sleep: async () => {},
    });
    expect(src.range).toEqual({ outputType: "B", pminPsi: -2, pmaxPsi: 2 });
    await src.start();
    expect(seen).toEqual([3]);
    expect(bus.calls.every((c) => c.address === 0x36)).toBe(true);
    expect(new Ms4525IasSource({ range: "005G" }).range).toEqual({ outputType: "A", pminPsi: 0, pmaxPsi: 5 });
  });

  it("reports stale data and faults in health, returns null, and recovers on the next good reading", async () => {
    const script: FakeAnswer[] = [
      { status: 2, pressureCounts: 8192 },
      { status: 2, pressureCounts: 8192 },
      { pressureCounts: 8192 },
      { status: 3, pressureCounts: 16383 },
      { status: 1, pressureCounts: 8192 },
      { pressureCounts: 8192 },
    ];
    let i = -1;
    const { src } = source((n) => (n < 10 ? { pressureCounts: 8192 } : script[++i]!));
    await src.start();
    expect(await src.read()).toBeNull();
    expect(src.health()).toMatchObject({ state: "stale", errors: 1, reason: expect.stringMatching(/stale/) });
    expect(await src.read()).toBeNull();
    expect(src.health().errors).toBe(2);
    expect(await src.read()).not.toBeNull();
    expect(src.health()).toEqual({ state: "ok", errors: 0, source: "ms4525do" });
    expect(await src.read()).toBeNull();
    expect(src.health()).toMatchObject({
      state: "fault",
      reason: "sensor reports diagnostic fault",
      errors: 1,
    });
    expect(await src.read()).toBeNull();
    expect(src.health()).toMatchObject({
      state: "fault",
      reason: expect.stringMatching(/reserved/),
      errors: 2,
    });
    expect(await src.read()).not.toBeNull();
    expect(src.stats()).toMatchObject({ stale: 2, faults: 2, i2cErrors: 0 });
  });

  it("survives I2C failures: marks the sensor unhealthy with the reason, retries each read, counts, never throws", async () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    let failing = false;
    let flowPa = 0;
    const { src, bus } = source(
      () => (failing ? { throw: "EREMOTEIO: Remote I/O error" } : { pressureCounts: countsForPa(flowPa) }),
      { logger },
    );
    await src.start();
    failing = true;
    flowPa = dpFor(100);
    for (let k = 1; k <= 5; k++) {
      await expect(src.read()).resolves.toBeNull();
      expect(src.health()).toEqual({
        state: "fault",
        reason: "I2C read failed: EREMOTEIO: Remote I/O error",
        errors: k,
        source: "ms4525do",
      });
    }
    expect(bus.calls).toHaveLength(15); // every read went to the bus again
    expect(src.stats().i2cErrors).toBe(5);
    failing = false;
    const s = await src.read();
    expect(s!.ias_mps / KMH).toBeGreaterThan(90);
    expect(src.health().state).toBe("ok");
    const msgs = ring.after(0).lines.map((l) => l.msg);
    // One warning when it starts failing (not one per read), one line when it recovers.
    expect(msgs.filter((m) => m.includes("EREMOTEIO"))).toHaveLength(1);
    expect(msgs.some((m) => m.includes("valid again after 5 failed"))).toBe(true);
  });

  it("treats a short read and a read that never answers as failures", async () => {
    const script: FakeAnswer[] = [{ shortRead: 2 }, { hang: true }];
    let i = -1;
    const { src } = source(
      (n) => (n < 10 ? { pressureCounts: 8192 } : (script[++i] ?? { pressureCounts: 8192 })),
      {
        readTimeoutMs: 20,
      },
    );
    await src.start();
    expect(await src.read()).toBeNull();
    expect(src.health().reason).toBe("I2C short read: 2 of 4 bytes");
    expect(await src.read()).toBeNull();
    expect(src.health()).toMatchObject({
      state: "fault",
      reason: "I2C read failed: no answer within 20 ms",
      errors: 2,
    });
    expect(await src.read()).not.toBeNull();
  });

  it("tolerates stale readings during calibration", async () => {
    const { src } = source((n) =>
      n % 2 === 0 ? { status: 2, pressureCounts: 9000 } : { pressureCounts: 8192 },
    );
    await src.start();
    expect(Math.abs(src.stats().zeroOffsetPa!)).toBeLessThan(1.1);
  });

  it("refuses to start when calibration cannot get valid readings, and closes the bus", async () => {
    const { src, bus } = source(() => ({ throw: "ENXIO: No such device or address" }));
    await expect(src.start()).rejects.toThrow(
      /MS4525DO at 0x28 on I2C bus 1: zero-offset calibration failed, 0 of 10 readings valid \(last problem: I2C read failed: ENXIO/,
    );
    expect(bus.calls.length).toBe(10); // gave up early instead of hammering a missing device
    expect(bus.closed).toBe(true);
    expect(src.health().state).toBe("fault");
    await expect(src.read()).rejects.toThrow(/start\(\)/);
  });

  it("gives a clear error when the real bus cannot be opened", async () => {
    // The default opener loads i2c-bus; this machine has no /dev/i2c-250 (or no i2c-bus at all).
    const src = new Ms4525IasSource({ bus: 250, calibrationSamples: 1 });
    await expect(src.start()).rejects.toThrow(
      /cannot open I2C bus 250 \(\/dev\/i2c-250\)|optional package i2c-bus/,
    );
    expect(src.health().state).toBe("starting");
  });

  it("closes the bus and goes back to not started", async () => {
    const { src, bus } = source(() => ({ pressureCounts: 8192 }));
    await src.start();
    await src.close();
    expect(bus.closed).toBe(true);
    expect(src.health().state).toBe("starting");
  });

  it.each([
    [{ address: 0x29 }, "/address"],
    [{ address: "0x28" as unknown as number }, "/address"],
    [{ outputType: "C" as "A" }, "/outputType"],
    [{ range: "003D" }, "/range"],
    [{ range: "001X" }, "/range"],
    [{ range: "001D", pminPsi: -1, pmaxPsi: 1 }, "/range"],
    [{ pminPsi: 1, pmaxPsi: -1 }, "/pmaxPsi"],
    [{ pminPsi: -1 }, "/pmaxPsi"],
    [{ bus: -1 }, "/bus"],
    [{ bus: 1.5 }, "/bus"],
    [{ calibrationSamples: 0 }, "/calibrationSamples"],
    [{ calibrationSamples: Number.NaN }, "/calibrationSamples"],
    [{ readTimeoutMs: 0 }, "/readTimeoutMs"],
  ] as [Ms4525Options, string][])("rejects bad settings %o naming %s", (opts, field) => {
    let opened = false;
    const make = () =>
      new Ms4525IasSource({
        ...opts,
        openBus: async () => {
          opened = true;
          return new FakeMs4525Bus(() => ({ pressureCounts: 8192 }));
        },
      });
    expect(make).toThrow(SettingsError);
    try {
      make();
    } catch (err) {
      expect((err as SettingsError).problems.map((p) => p.field)).toContain(field);
    }
    expect(opened).toBe(false);
  });
});
