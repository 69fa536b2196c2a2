import { describe, expect, it } from "vitest";
import { type AircraftSample, AircraftState } from "../../src/aircraft/aircraft-state.js";
import { BaroClimbSource } from "../../src/aircraft/baro-climb.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { SettingsError } from "../../src/core/problems.js";
import { Bmp280PressureSource, encodeBmp280Data } from "../../src/sensors/bmp280.js";
import { SimPressureSource } from "../../src/sensors/bmp280-sim.js";
import { createPressureSource } from "../../src/sensors/create-baro-source.js";
import { pressureAtAltitude } from "../../src/sensors/pressure-source.js";
import { ReplayIasSource } from "../../src/sensors/replay-source.js";
import { SimIasSource } from "../../src/sensors/sim-source.js";
import { FakeBmp280Bus } from "../sensors/fake-bmp280-bus.js";

const P = DEFAULT_AIRCRAFT_PROFILE;

/** The sim's true segment boundaries of its first launch. */
function truth(sim: SimIasSource) {
  let climbStart = Number.NaN;
  let release = Number.NaN;
  let prev = "";
  for (let t = 0; t < 200_000 && Number.isNaN(release); t += 10) {
    const seg = sim.stateAt(t).segment;
    if (seg === "climb" && prev !== "climb") climbStart = t;
    if (prev === "climb" && seg === "release") release = t;
    prev = seg;
  }
  return { climbStart, release };
}

/** A BMP280 on the datasheet model, its driver and the climb source, all on one virtual clock. */
function bmpRig(pressureAt: (t: number) => number, opts: { chipId?: number } = {}) {
  const clock = { t: 0 };
  const now = () => clock.t;
  const bus = new FakeBmp280Bus({ now, pressureAt, noisePa: 0.5, ...opts });
  const driver = new Bmp280PressureSource({
    openBus: async () => bus,
    now,
    sleep: async (ms) => {
      clock.t += ms;
    },
  });
  const climb = new BaroClimbSource({ source: driver, now, retryStartMs: 1000 });
  return { bus, driver, climb, clock };
}

describe("climb rate from static pressure", () => {
  it("the simulated sensor gives the sim's winch climb (9–11 m/s), then free flight below 1 m/s", async () => {
    const sim = new SimIasSource({ seed: 5, loop: false, firstLaunchAfterS: 3 });
    const climb = new BaroClimbSource({ source: createPressureSource({ kind: "sim" }, { ias: sim })! });
    await climb.start();
    const { climbStart, release } = truth(sim);
    const mid: number[] = [];
    const after: number[] = [];
    const ground: number[] = [];
    for (let t = 0; t < release + 20_000; t += 50) {
      const r = await climb.climb(t);
      if (r === null) continue;
      if (t > climbStart + 8000 && t < release - 8000) mid.push(r);
      if (t > release + 3000) after.push(r);
      if (t > 1000 && t < 3000) ground.push(r);
    }
    expect(mid.length).toBeGreaterThan(100);
    for (const r of mid) expect(r).toBeGreaterThan(7);
    for (const r of after) expect(r).toBeLessThan(1);
    for (const r of ground) expect(Math.abs(r)).toBeLessThan(0.5);
    expect(climb.health()).toEqual({ state: "ok", errors: 0, source: "sim" });
  });

  it("the simulated sensor is refused beside an airspeed that is not the simulator's", () => {
    const replay = new ReplayIasSource({ path: "/nonexistent.csv" });
    expect(() => createPressureSource({ kind: "sim" }, { ias: replay })).toThrow(SettingsError);
    expect(() => createPressureSource({ kind: "sim" }, { ias: replay })).toThrow(
      /needs the sim airspeed source/,
    );
    const sim = new SimIasSource();
    expect(() => createPressureSource({ kind: "bmp280", address: 0x28 }, { ias: sim })).toThrow(
      /0x76 or 0x77/,
    );
    expect(() => createPressureSource({ kind: "bmp388" } as never, { ias: sim })).toThrow(
      /kind must be one of none, bmp280, sim/,
    );
    expect(() => createPressureSource({ kind: "sim", pins: 3 } as never, { ias: sim })).toThrow(
      /pins is not a setting of the sim sensor/,
    );
    expect(createPressureSource({ kind: "none" }, { ias: sim })).toBeNull();
  });

  it("a BMP280 on the datasheet model climbing 10 m/s reads 10 ± 1 m/s once settled", async () => {
    const { climb, clock } = bmpRig((t) => pressureAtAltitude(t < 2000 ? 0 : ((t - 2000) / 1000) * 10));
    await climb.start();
    const rates: number[] = [];
    for (let i = 0; i < 200; i++) {
      clock.t += 50;
      const r = await climb.climb(clock.t);
      if (clock.t > 6000 && r !== null) rates.push(r);
    }
    expect(rates.length).toBeGreaterThan(50);
    for (const r of rates) expect(Math.abs(r - 10)).toBeLessThan(1);
  });

  it("a bus error gives null and a fault, the sensor is left alone for 0.5 s, then the rate comes back", async () => {
    const { bus, climb, clock } = bmpRig(() => 100_000);
    await climb.start();
    for (let i = 0; i < 40; i++) {
      clock.t += 50;
      await climb.climb(clock.t);
    }
    expect(await climb.climb(clock.t)).not.toBeNull();
    bus.fault = (_n, op, reg) => (op === "read" && reg === 0xf7 ? { throw: "Remote I/O error" } : undefined);
    const before = bus.calls.length;
    const during: (number | null)[] = [];
    for (let i = 0; i < 8; i++) {
      clock.t += 50;
      during.push(await climb.climb(clock.t));
    }
    expect(during.every((r) => r === null)).toBe(true);
    // One read failed; the back-off kept the next 7 samples off the bus.
    expect(bus.calls.length - before).toBe(1);
    expect(climb.health()).toMatchObject({
      state: "fault",
      reason: expect.stringMatching(/I2C read failed/),
    });
    bus.fault = () => undefined;
    let back: number | null = null;
    for (let i = 0; i < 40 && back === null; i++) {
      clock.t += 50;
      back = await climb.climb(clock.t);
    }
    expect(back).not.toBeNull();
    expect(Math.abs(back!)).toBeLessThan(1);
    expect(climb.health().state).toBe("ok");
  });

  it("a part that does not start (wrong chip id) is reported and retried; the rate appears once it answers", async () => {
    const { bus, climb, clock } = bmpRig(() => 100_000, { chipId: 0x55 });
    await climb.start(); // never rejects
    expect(climb.health()).toMatchObject({
      state: "fault",
      reason: expect.stringMatching(/did not start: BMP280 at 0x76 on I2C bus 1: chip id 0x55/),
      errors: 1,
    });
    // Retried every retryStartMs (1 s here) in the background: the attempts count up, nothing is written.
    for (let i = 0; i < 50; i++) {
      clock.t += 50;
      expect(await climb.climb(clock.t)).toBeNull();
      await new Promise((r) => setImmediate(r));
    }
    expect(climb.health().errors).toBeGreaterThanOrEqual(2);
    expect(bus.calls.filter((c) => c.op === "write")).toEqual([]);
    // The right part is fitted: the next attempt starts it and the rate appears.
    bus.chipId = 0x58;
    let r: number | null = null;
    for (let i = 0; i < 80 && r === null; i++) {
      clock.t += 50;
      r = await climb.climb(clock.t);
      await new Promise((res) => setImmediate(res));
    }
    expect(r).not.toBeNull();
    expect(climb.health()).toEqual({ state: "ok", errors: 0, source: "bmp280" });
  });

  it("a garbage reading inside the part's range (a 60 m jump) is ignored and named; the next good one is ok", async () => {
    const { bus, climb, clock } = bmpRig(() => 100_000);
    await climb.start();
    for (let i = 0; i < 40; i++) {
      clock.t += 50;
      await climb.climb(clock.t);
    }
    clock.t += 50;
    const steady = await climb.climb(clock.t);
    expect(Math.abs(steady!)).toBeLessThan(0.5);
    const { adcP, adcT } = bus.rawFor(pressureAtAltitude(60, 100_000), 25);
    const garbage = [...encodeBmp280Data(adcP, adcT)];
    const at = bus.calls.length;
    bus.fault = (n, op) => (op === "read" && n === at ? { bytes: garbage } : undefined);
    clock.t += 50;
    expect(await climb.climb(clock.t)).toBeNull();
    expect(climb.health()).toMatchObject({
      state: "fault",
      reason: expect.stringMatching(/altitude jumped (59\.\d|60\.\d) m in 50 ms; reading ignored/),
    });
    clock.t += 50;
    const after = await climb.climb(clock.t);
    expect(after).not.toBeNull();
    expect(Math.abs(after!)).toBeLessThan(0.5);
    expect(climb.health().state).toBe("ok");
  });

  it("in the aircraft state: the release is decided by the climb rate and the live view shows it", async () => {
    let clock = 0;
    const sim = new SimIasSource({ seed: 3, timeScale: 10, loop: false, now: () => clock });
    const climb = new BaroClimbSource({ source: createPressureSource({ kind: "sim" }, { ias: sim })! });
    const state = new AircraftState({ source: sim, profile: P, climb, retryStartMs: 0 });
    await state.start();
    await state.stop(); // the poll loop off: this test ticks itself
    await sim.start();
    await climb.start();
    const samples: AircraftSample[] = [];
    let seenClimb = false;
    for (clock = 0; clock <= 30_000; clock += 50) {
      const s = await state.tick();
      if (!s) continue;
      samples.push(s);
      const snap = state.snapshot();
      expect(snap.baro).toEqual({ state: "ok", errors: 0, source: "sim" });
      if (snap.phase === "launch" && (snap.climb_mps ?? 0) > 7) {
        seenClimb = true;
        expect(Number.isInteger(Math.round(snap.climb_mps! * 10))).toBe(true);
      }
    }
    expect(seenClimb).toBe(true);
    const release = samples.find((s) => s.release)?.release;
    expect(release?.by).toBe("climb");
    const { release: trueRelease } = truth(sim);
    expect(release!.decided_t_ms - trueRelease).toBeGreaterThan(0);
    expect(release!.decided_t_ms - trueRelease).toBeLessThan(4000);
    await climb.close();
    expect(climb.health().state).toBe("starting");
  });

  it("refuses bad settings", () => {
    const src = new SimPressureSource({ altitudeAt: () => 0 });
    expect(() => new BaroClimbSource({ source: src, maxRateMps: 1, failureBackoffMs: -1 })).toThrow(
      /failureBackoffMs must .*maxRateMps must/,
    );
    expect(() => new SimPressureSource({ altitudeAt: () => 0, noisePa: 99 })).toThrow(/noisePa/);
  });
});
