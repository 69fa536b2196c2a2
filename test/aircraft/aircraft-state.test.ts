import { describe, expect, it } from "vitest";
import { type AircraftSample, AircraftState } from "../../src/aircraft/aircraft-state.js";
import type { PhaseTransition } from "../../src/aircraft/flight-phase.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { SettingsError } from "../../src/core/problems.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import type { IasSample, IasSource, SensorHealth } from "../../src/sensors/ias-source.js";
import { Ms4525IasSource } from "../../src/sensors/ms4525do.js";
import { ReplayIasSource } from "../../src/sensors/replay-source.js";
import { SimIasSource } from "../../src/sensors/sim-source.js";
import { countsForPa, FakeMs4525Bus } from "../sensors/fake-ms4525-bus.js";

const P = DEFAULT_AIRCRAFT_PROFILE;

/** Polls `cond` on the real clock; bounded so a broken loop fails instead of hanging. */
async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("AircraftState", () => {
  it("turns a simulated launch into samples, phase events and snapshots (virtual clock, 20 Hz, time x10)", async () => {
    let clock = 0;
    const source = new SimIasSource({ seed: 3, timeScale: 10, loop: false, now: () => clock });
    const state = new AircraftState({ source, profile: P });
    const samples: AircraftSample[] = [];
    const phases: PhaseTransition[] = [];
    state.on("sample", (s) => samples.push(s));
    state.on("phase", (t) => phases.push(t));
    expect(state.snapshot()).toEqual({
      ias: 0,
      unit: "kmh",
      flight_phase: "landed",
      phase: "landed",
      is_landed: true,
      landing_hold_s: 0,
      sensor: { state: "starting", reason: "not started", errors: 0, source: "sim" },
      climb_mps: null,
      baro: null,
    });
    await source.start();
    let maxHold = 0;
    const holdSeen = new Set<number>();
    for (clock = 0; clock <= 70_000; clock += 50) {
      const s = await state.tick();
      expect(s).not.toBeNull();
      if (s!.flight_phase === "landing_hold") holdSeen.add(s!.landing_hold_s);
      maxHold = Math.max(maxHold, s!.landing_hold_s);
    }
    expect(phases.map((p) => `${p.from}>${p.to}`)).toEqual([
      "landed>airborne",
      "airborne>landing_hold",
      "landing_hold>landed",
    ]);
    // The launch phases, in flight order, each once; the release decided within 5 s of the sim's truth.
    const launchPhases = samples.map((s) => s.phase).filter((p, i, a) => i === 0 || a[i - 1] !== p);
    expect(launchPhases).toEqual(["landed", "ground_roll", "launch", "released", "landing_hold", "landed"]);
    const release = samples.find((s) => s.release)?.release;
    let truth = 0;
    for (let t = 0; t < 400_000 && !truth; t += 50) if (source.stateAt(t).segment === "release") truth = t;
    expect(release?.by).toBe("ias");
    expect(release!.decided_t_ms - truth).toBeGreaterThan(0);
    expect(release!.decided_t_ms - truth).toBeLessThan(5000);
    // The hold counted whole seconds 0..9 (in simulated time) before landing.
    expect([...holdSeen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(samples).toHaveLength(1401);
    const climbing = samples.find((s) => s.t_ms >= 30_000)!;
    expect(climbing).toMatchObject({
      unit: "kmh",
      flight_phase: "airborne",
      is_landed: false,
      landing_hold_s: 0,
    });
    expect(climbing.ias).toBeCloseTo(climbing.ias_mps * 3.6, 1);
    expect(Number.isInteger(climbing.ias * 10)).toBe(true);
    expect(state.snapshot()).toMatchObject({
      ias: 0,
      flight_phase: "landed",
      is_landed: true,
      landing_hold_s: 0,
    });
    expect(state.snapshot().sensor.state).toBe("ok");
  });

  it("shows the landing-hold seconds in the snapshot", async () => {
    let clock = 0;
    const source = new ReplayIasSource({
      text: "t_ms,ias_kmh\n0,100\n5000,100\n5100,10\n60000,10\n",
      now: () => clock,
    });
    const state = new AircraftState({ source, profile: P });
    await source.start();
    // The smoothed IAS falls below 37.5 km/h about 0.6 s after the drop at 5.1 s, so 9.2 s is 3.5 s into the hold.
    for (clock = 0; clock <= 9_200; clock += 50) await state.tick();
    expect(state.snapshot()).toMatchObject({
      flight_phase: "landing_hold",
      is_landed: false,
      landing_hold_s: 3,
    });
  });

  it("reports IAS in the profile's unit at 0.1 resolution and follows a profile change", async () => {
    let clock = 0;
    const source = new ReplayIasSource({ text: "t_ms,ias_mps\n0,27.7777\n", now: () => clock });
    const state = new AircraftState({ source, profile: P });
    await source.start();
    const s = (await state.tick())!;
    expect(s.ias).toBe(100);
    expect(state.snapshot().ias).toBe(100);
    state.setProfile({ ...P, unit: "kt", v_en: 27, v_min: 49, v_opt: 57, v_max: 70 });
    expect(state.snapshot()).toMatchObject({ ias: 54, unit: "kt" });
    clock = 50;
    expect((await state.tick())!).toMatchObject({ ias: 54, unit: "kt" });
    expect(state.profile.unit).toBe("kt");
  });

  it("rejects a bad profile or phase setting and keeps the old ones", async () => {
    const state = new AircraftState({
      source: new SimIasSource(),
      profile: P,
      phase: { landing_hold_time_s: 20 },
    });
    expect(() => state.setProfile({ ...P, v_en: 30 }, { landing_threshold: 35 })).toThrow(SettingsError);
    expect(() => state.setProfile({ ...P, v_en: 30 }, { landing_threshold: 35 })).toThrow(
      /landing_threshold must be below v_en \(30 kmh\)/,
    );
    expect(state.profile).toEqual(P);
    expect(state.phaseSettings).toMatchObject({ v_en: 50, landing_threshold: 37.5, landing_hold_time_s: 20 });
    // Without new phase settings the old ones stay.
    state.setProfile({ ...P, v_en: 40 });
    expect(state.phaseSettings).toMatchObject({ v_en: 40, landing_threshold: 30, landing_hold_time_s: 20 });
    expect(() => new AircraftState({ source: new SimIasSource(), profile: P, sampleHz: 0 })).toThrow(
      /sampleHz/,
    );
    expect(() => new AircraftState({ source: new SimIasSource(), profile: P, sampleHz: 500 })).toThrow(
      /sampleHz/,
    );
    expect(
      () => new AircraftState({ source: new SimIasSource(), profile: P, phase: { landing_hold_time_s: 0 } }),
    ).toThrow(/landing_hold_time_s/);
  });

  it("passes a new profile on to the simulator", () => {
    const source = new SimIasSource({ seed: 1 });
    const state = new AircraftState({ source, profile: P });
    const faster = { ...P, v_min: 110, v_opt: 125, v_max: 140 };
    state.setProfile(faster);
    // Launch 0 is already planned; launch 1 climbs at the new v_opt.
    let sum = 0;
    let n = 0;
    for (let t = 0; n < 100; t += 200) {
      const p = source.stateAt(t);
      if (p.launch === 1 && p.segment === "climb") {
        sum += p.ias_mps * 3.6;
        n++;
      }
    }
    expect(sum / n).toBeGreaterThan(118);
  });

  it("keeps going when the sensor fails, reports its health, and emits nothing for failed reads", async () => {
    let failing = false;
    let flowPa = 0;
    const bus = new FakeMs4525Bus(() =>
      failing ? { throw: "EIO: i/o error" } : { pressureCounts: countsForPa(flowPa) },
    );
    const source = new Ms4525IasSource({
      calibrationSamples: 5,
      openBus: async () => bus,
      sleep: async () => {},
    });
    const state = new AircraftState({ source, profile: P });
    const samples: AircraftSample[] = [];
    state.on("sample", (s) => samples.push(s));
    await source.start();
    flowPa = 0.5 * 1.225 * (80 / 3.6) ** 2;
    await state.tick();
    expect(samples).toHaveLength(1);
    expect(samples[0]!.ias).toBeCloseTo(80, 0);
    failing = true;
    expect(await state.tick()).toBeNull();
    expect(await state.tick()).toBeNull();
    expect(samples).toHaveLength(1);
    expect(state.snapshot().sensor).toEqual({
      state: "fault",
      reason: "I2C read failed: EIO: i/o error",
      errors: 2,
      source: "ms4525do",
    });
    // The last good IAS stays on show, flagged by the sensor health.
    expect(state.snapshot().ias).toBeCloseTo(80, 0);
    failing = false;
    expect(await state.tick()).not.toBeNull();
    expect(state.snapshot().sensor.state).toBe("ok");
  });

  it("survives a source that throws and a listener that throws", async () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    let calls = 0;
    const source: IasSource = {
      kind: "broken",
      start: async () => {},
      read: async (): Promise<IasSample | null> => {
        calls++;
        if (calls <= 2) throw new Error("driver bug");
        return { t_ms: calls * 50, ias_mps: 10 };
      },
      health: (): SensorHealth => ({ state: "ok", errors: 0, source: "broken" }),
      close: async () => {},
    };
    const state = new AircraftState({ source, profile: P, logger });
    state.on("sample", () => {
      throw new Error("listener bug");
    });
    expect(await state.tick()).toBeNull();
    expect(await state.tick()).toBeNull();
    expect(state.readErrors).toBe(2);
    expect(await state.tick()).not.toBeNull();
    const msgs = ring.after(0).lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === "broken source threw: driver bug")).toHaveLength(1);
    expect(msgs).toContain("a sample listener threw: listener bug");
  });

  it("polls on its own at the sample rate, and stop() ends it and closes the source", async () => {
    let closed = 0;
    const inner = new SimIasSource({ seed: 1, timeScale: 50 });
    const source: IasSource = {
      kind: inner.kind,
      start: () => inner.start(),
      read: () => inner.read(),
      health: () => inner.health(),
      close: async () => {
        closed++;
        await inner.close();
      },
    };
    const state = new AircraftState({ source, profile: P, sampleHz: 50 });
    let n = 0;
    state.on("sample", () => n++);
    await state.start();
    expect(state.running).toBe(true);
    await state.start(); // a second start is a no-op
    await waitFor(() => n >= 10);
    await state.stop();
    expect(state.running).toBe(false);
    expect(closed).toBe(1);
    const after = n;
    await new Promise((r) => setTimeout(r, 200));
    expect(n).toBe(after);
    await state.stop();
    expect(closed).toBe(1);
  });

  it("with retryStartMs 0, start() rejects when the source cannot start, and nothing runs", async () => {
    const bus = new FakeMs4525Bus(() => ({ throw: "ENXIO" }));
    const source = new Ms4525IasSource({
      calibrationSamples: 3,
      openBus: async () => bus,
      sleep: async () => {},
    });
    const state = new AircraftState({ source, profile: P, retryStartMs: 0 });
    await expect(state.start()).rejects.toThrow(/calibration failed/);
    expect(state.running).toBe(false);
    expect(state.snapshot().sensor.state).toBe("fault");
    await state.stop();
  });

  it("by default keeps running when the sensor is missing at boot, shows why, and starts it once it answers", async () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    let present = false;
    const bus = new FakeMs4525Bus(() =>
      present ? { pressureCounts: countsForPa(0) } : { throw: "ENXIO: no device" },
    );
    const source = new Ms4525IasSource({
      calibrationSamples: 3,
      openBus: async () => bus,
      sleep: async () => {},
    });
    const state = new AircraftState({ source, profile: P, retryStartMs: 100, sampleHz: 50, logger });
    let n = 0;
    state.on("sample", () => n++);
    await state.start();
    expect(state.running).toBe(true);
    expect(state.snapshot().sensor).toMatchObject({
      state: "fault",
      reason: expect.stringMatching(/^did not start: .*calibration failed.*ENXIO: no device/),
      errors: 1,
      source: "ms4525do",
    });
    await waitFor(() => state.snapshot().sensor.errors >= 3);
    expect(n).toBe(0);
    present = true;
    await waitFor(() => n >= 3);
    expect(state.snapshot().sensor).toEqual({ state: "ok", errors: 0, source: "ms4525do" });
    await state.stop();
    expect(bus.closed).toBe(true);
    const msgs = ring.after(0).lines.map((l) => l.msg);
    // Logged when it first failed and when it came up, not on every retry.
    expect(msgs.filter((m) => m.includes("did not start"))).toHaveLength(1);
    expect(msgs.some((m) => /ms4525do source started after \d+ failed attempts/.test(m))).toBe(true);
  });

  it("stop() during background retries ends them", async () => {
    let attempts = 0;
    const source: IasSource = {
      kind: "never",
      start: async () => {
        attempts++;
        throw new Error("no sensor");
      },
      read: async () => null,
      health: (): SensorHealth => ({ state: "starting", errors: 0, source: "never" }),
      close: async () => {},
    };
    const state = new AircraftState({ source, profile: P, retryStartMs: 100 });
    await state.start();
    await waitFor(() => attempts >= 2);
    await state.stop();
    const after = attempts;
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toBe(after);
    expect(() => new AircraftState({ source, profile: P, retryStartMs: 50 })).toThrow(/retryStartMs/);
  });
});
