import { describe, expect, it } from "vitest";
import { AircraftState } from "../../src/aircraft/aircraft-state.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import {
  type FlightReading,
  type FrameAuthenticator,
  type FrameSender,
  LANDED_TAIL_MS,
  Transmitter,
  type TransmitterSettings,
  telemetryInputFromAircraftState,
} from "../../src/aircraft/transmitter.js";
import { ManualClock } from "../../src/core/clock.js";
import { SettingsError } from "../../src/core/problems.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import type { SendOutcome } from "../../src/radio/radio-service.js";
import type { IasSample, IasSource } from "../../src/sensors/ias-source.js";
import {
  type DownlinkMessage,
  decodeFrame,
  type FrameAuth,
  frameCounter,
  verifyFrameAuth,
} from "../../src/telemetry/frame.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { LinkKey } from "../../src/telemetry/link-key.js";

const { logger } = createDeviceLogger({ destination: null });

/** The interval rules are tested alone here (full_every 100); the default of 2 has its own test. */
function rig(
  settings: TransmitterSettings = {},
  block?: (n: number) => SendOutcome | null,
  auth?: FrameAuthenticator,
) {
  const clock = new ManualClock();
  let reading: { reading: FlightReading; at_ms: number } | null = null;
  let profile = { ...DEFAULT_AIRCRAFT_PROFILE };
  const sent: { t: number; msg: DownlinkMessage; auth: FrameAuth | null }[] = [];
  let attempts = 0;
  const radio: FrameSender = {
    async send(frame) {
      const forced = block?.(attempts++) ?? null;
      if (forced) return forced;
      const r = decodeFrame(frame);
      if (!r.ok) throw new Error(`transmitter produced a bad frame: ${r.reason}`);
      sent.push({ t: clock.now(), msg: r.msg, auth: r.auth });
      return { sent: true, airtime_ms: 4 };
    },
  };
  const tx = new Transmitter({
    full_every: 100,
    ...settings,
    radio,
    logger,
    clock,
    ...(auth ? { auth } : {}),
    input: { latest: () => reading, profile: () => profile },
  });
  return {
    clock,
    tx,
    sent,
    set(ias: number, flight_phase: FlightReading["flight_phase"]) {
      reading = { reading: { ias, flight_phase }, at_ms: clock.now() };
    },
    setReading(r: FlightReading) {
      reading = { reading: r, at_ms: clock.now() };
    },
    setProfile(p: typeof profile) {
      profile = p;
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("transmitter", () => {
  it("sends nothing before a reading or while landed", async () => {
    const r = rig();
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "no_reading" });
    r.set(20, "landed");
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "landed" });
    expect(r.sent).toEqual([]);
    expect(r.tx.status()).toEqual({
      state: "idle",
      reason: "aircraft is landed",
      sent: 0,
      blocked_duty: 0,
      errors: 0,
      duty_used_ppm: 0,
    });
  });

  it("at 5 Hz sends a full frame first and then every 2 s, deltas between, with consecutive sequence numbers", async () => {
    const r = rig();
    r.set(101.26, "airborne");
    r.tx.start();
    for (let i = 0; i < 50; i++) {
      r.clock.advance(100);
      r.set(101.26, i % 10 < 7 ? "airborne" : "landing_hold");
      await settle();
    }
    r.tx.stop();
    // Slots at t = 0, 200, …, 5000 ms (the first one immediately): 26 frames.
    expect(r.sent.map((s) => s.t)).toEqual([...Array(26).keys()].map((i) => i * 200));
    expect(r.sent.map((s) => s.msg.kind)).toEqual(
      [...Array(26).keys()].map((i) => (i % 10 === 0 ? "full" : "delta")),
    );
    expect(r.sent.map((s) => s.msg.sequence)).toEqual([...Array(26).keys()]);
    const [first, second] = r.sent;
    expect(first?.msg).toEqual({
      kind: "full",
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      v_current_tenths: 1013,
      sequence: 0,
    });
    expect(second?.msg).toEqual({
      kind: "delta",
      identity_hash: identityHash("D-1234", "ASK 21"),
      v_current_tenths: 1013,
      sequence: 1,
    });
    expect(r.tx.counters()).toMatchObject({ sent_full: 3, sent_delta: 23, last_sequence: 25 });
    expect(r.tx.status()).toMatchObject({ state: "sending", sent: 26 });
  });

  it("stops when landed (after a short landed tail) and starts the next flight with a full frame, continuing the sequence", async () => {
    const r = rig();
    r.set(100, "airborne");
    await r.tx.tick();
    r.clock.advance(200);
    r.set(100, "airborne");
    await r.tx.tick();
    r.set(0, "landed");
    // The winch is told of the landing for LANDED_TAIL_MS, then the air goes quiet.
    expect(await r.tx.tick()).toMatchObject({ sent: "delta", sequence: 2 });
    r.clock.advance(LANDED_TAIL_MS);
    r.set(0, "landed");
    expect((await r.tx.tick()).sent).toBeNull();
    r.clock.advance(500);
    r.set(0, "landed");
    expect((await r.tx.tick()).sent).toBeNull();
    r.set(60, "airborne");
    expect(await r.tx.tick()).toMatchObject({ sent: "full", sequence: 3 });
  });

  it("sends the launch phase on air, and a ground roll although the flight phase is still landed", async () => {
    const r = rig();
    r.setReading({ ias: 20, flight_phase: "landed", phase: "ground_roll" });
    expect(await r.tx.tick()).toMatchObject({ sent: "full" });
    expect(r.sent.at(-1)?.msg).toMatchObject({ phase: "ground_roll" });
    r.clock.advance(200);
    r.setReading({ ias: 95, flight_phase: "airborne", phase: "released" });
    await r.tx.tick();
    expect(r.sent.at(-1)?.msg).toMatchObject({ phase: "released" });
    r.clock.advance(LANDED_TAIL_MS + 200);
    r.setReading({ ias: 0, flight_phase: "landed", phase: "landed" });
    expect((await r.tx.tick()).sent).toBeNull();
  });

  it("does not send a stale reading (the sensor stopped)", async () => {
    const r = rig({ max_reading_age_ms: 500 });
    r.set(100, "airborne");
    r.clock.advance(501);
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "stale_reading" });
    expect(r.tx.counters().skipped_stale).toBe(1);
    expect(r.tx.status()).toMatchObject({ state: "idle", reason: expect.stringMatching(/stale/) });
  });

  it("sends a full frame at once when the identity or band changes", async () => {
    const r = rig();
    r.set(100, "airborne");
    await r.tx.tick();
    r.clock.advance(200);
    expect((await r.tx.tick()).sent).toBe("delta");
    r.setProfile({ ...DEFAULT_AIRCRAFT_PROFILE, v_max: 140 });
    r.clock.advance(200);
    expect((await r.tx.tick()).sent).toBe("full");
    r.setProfile({ ...DEFAULT_AIRCRAFT_PROFILE, v_max: 140, registration: "D-9999" });
    r.clock.advance(200);
    expect(await r.tx.tick()).toMatchObject({ sent: "full" });
    expect(r.sent.at(-1)?.msg).toMatchObject({ registration: "D-9999", v_max: 140 });
  });

  it("a frame refused by the duty limit uses no sequence number, and a due full frame is retried", async () => {
    const r = rig({}, (n) =>
      n === 0 || n === 2 ? { sent: false, reason: "duty_cycle", airtime_ms: 7 } : null,
    );
    r.set(100, "airborne");
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "duty_cycle" });
    r.clock.advance(200);
    expect(await r.tx.tick()).toMatchObject({ sent: "full", sequence: 0 });
    r.clock.advance(200);
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "duty_cycle" });
    expect(r.tx.status()).toMatchObject({ state: "duty_blocked", sent: 1, blocked_duty: 2 });
    r.clock.advance(200);
    expect(await r.tx.tick()).toMatchObject({ sent: "delta", sequence: 1 });
    expect(r.tx.counters()).toMatchObject({ blocked_duty: 2, errors: 0, sent_full: 1, sent_delta: 1 });
  });

  it("counts link errors and encode errors without throwing", async () => {
    const r = rig({}, (n) =>
      n === 0 ? { sent: false, reason: "link_error", airtime_ms: 7, error: "x" } : null,
    );
    r.set(100, "airborne");
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "link_error" });
    r.setProfile({ ...DEFAULT_AIRCRAFT_PROFILE, registration: "X".repeat(40) });
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "encode_error" });
    expect(r.tx.status()).toMatchObject({
      state: "fault",
      errors: 2,
      reason: expect.stringMatching(/encoded/),
    });
  });

  it("refuses out-of-range settings with every problem named", () => {
    const make = (s: TransmitterSettings) => () =>
      new Transmitter({
        ...s,
        radio: { send: async () => ({ sent: true, airtime_ms: 1 }) },
        logger,
        input: { latest: () => null, profile: () => DEFAULT_AIRCRAFT_PROFILE },
      });
    const problemsOf = (s: TransmitterSettings): string[] => {
      try {
        make(s)();
      } catch (e) {
        if (!(e instanceof SettingsError)) throw e;
        return e.problems.map((p) => p.field);
      }
      return [];
    };
    expect(make({ rate_hz: 0 })).toThrow(SettingsError);
    expect(problemsOf({ rate_hz: 50, full_interval_ms: 10, max_reading_age_ms: Number.NaN })).toEqual([
      "/rate_hz",
      "/full_interval_ms",
      "/max_reading_age_ms",
    ]);
  });

  // Each limit on its own, just inside and just outside, so that no check can hide behind another.
  const LIMITS = [
    { field: "rate_hz", min: 0.2, max: 20 },
    { field: "full_interval_ms", min: 200, max: 60_000 },
    { field: "max_reading_age_ms", min: 100, max: 10_000 },
  ] as const;
  for (const { field, min, max } of LIMITS) {
    it(`accepts ${field} from ${min} to ${max} and refuses just outside, alone`, () => {
      const make = (value: number) =>
        new Transmitter({
          [field]: value,
          radio: { send: async () => ({ sent: true, airtime_ms: 1 }) },
          logger,
          input: { latest: () => null, profile: () => DEFAULT_AIRCRAFT_PROFILE },
        });
      expect(make(min)[field]).toBe(min);
      expect(make(max)[field]).toBe(max);
      for (const bad of [min * 0.99, max * 1.01, Number.NaN, Number.POSITIVE_INFINITY, -1]) {
        try {
          make(bad);
          expect.unreachable(`${field}=${bad} was accepted`);
        } catch (e) {
          if (!(e instanceof SettingsError)) throw e;
          expect(e.problems.map((p) => p.field)).toEqual([`/${field}`]);
        }
      }
    });
  }

  it("takes its input from the aircraft runtime's sample events", async () => {
    const clock = new ManualClock();
    let ias_mps = 0;
    const source: IasSource = {
      kind: "stub",
      start: async () => {},
      read: async (): Promise<IasSample> => ({ t_ms: clock.now(), ias_mps }),
      health: () => ({ state: "ok", errors: 0, source: "stub" }),
      close: async () => {},
    };
    const state = new AircraftState({ source, profile: DEFAULT_AIRCRAFT_PROFILE, phase: { debounce_ms: 0 } });
    const input = telemetryInputFromAircraftState(state, clock);
    expect(input.latest()).toBeNull();
    ias_mps = 30; // 108 km/h, above v_en
    await state.tick();
    expect(input.latest()).toMatchObject({ reading: { ias: 108, flight_phase: "airborne" }, at_ms: 0 });
    expect(input.profile()).toEqual(DEFAULT_AIRCRAFT_PROFILE);
    input.close();
    ias_mps = 31;
    await state.tick();
    expect(input.latest()?.reading.ias).toBe(108);
  });

  it("paced by readings: sends on the first reading of each slot (fresh value), 5 frames/s from 20 Hz samples", async () => {
    const clock = new ManualClock();
    let ias_mps = 30;
    const source: IasSource = {
      kind: "stub",
      start: async () => {},
      read: async (): Promise<IasSample> => ({ t_ms: clock.now(), ias_mps }),
      health: () => ({ state: "ok", errors: 0, source: "stub" }),
      close: async () => {},
    };
    const state = new AircraftState({ source, profile: DEFAULT_AIRCRAFT_PROFILE, phase: { debounce_ms: 0 } });
    const input = telemetryInputFromAircraftState(state, clock);
    const sent: { t: number; tenths: number }[] = [];
    const tx = new Transmitter({
      radio: {
        async send(frame) {
          const d = decodeFrame(frame);
          if (d.ok) sent.push({ t: clock.now(), tenths: d.msg.v_current_tenths });
          return { sent: true, airtime_ms: 4 };
        },
      },
      input,
      logger,
      clock,
    });
    tx.start();
    for (let i = 0; i < 40; i++) {
      ias_mps = 30 + i * 0.1; // each sample distinct
      await state.tick();
      await settle();
      clock.advance(50);
    }
    // Samples at 0, 50, …, 1950 ms; slots every 200 ms take the sample of that very instant.
    expect(sent.map((s) => s.t)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800]);
    expect(sent.map((s) => s.tenths)).toEqual(sent.map((s) => Math.round((30 + (s.t / 50) * 0.1) * 36)));
    clock.advance(2000); // the sensor stops: no more readings, no more frames
    expect(tx.status()).toMatchObject({ state: "idle", reason: expect.stringMatching(/stale/) });
    tx.stop();
    input.close();
  });

  it("by default sends every other frame full, so identity and band survive heavy loss", async () => {
    const r = rig({ full_every: 2 });
    r.set(100, "airborne");
    for (let i = 0; i < 8; i++) {
      await r.tx.tick();
      r.clock.advance(200);
      r.set(100, "airborne");
    }
    expect(r.sent.map((s) => s.msg.kind)).toEqual([
      "full",
      "delta",
      "full",
      "delta",
      "full",
      "delta",
      "full",
      "delta",
    ]);
    expect(
      new Transmitter({
        radio: { send: async () => ({ sent: true, airtime_ms: 1 }) },
        logger,
        input: { latest: () => null, profile: () => DEFAULT_AIRCRAFT_PROFILE },
      }).full_every,
    ).toBe(2);
  });

  it("signs every frame; when the sequence wraps it stores the next epoch before sending, so the counter only grows", async () => {
    const key = LinkKey.generate();
    let epoch = 7;
    let failNext = false;
    const auth: FrameAuthenticator = {
      key: () => key,
      epoch: () => epoch,
      async nextEpoch() {
        if (failNext) throw new Error("disk full");
        epoch++;
        return epoch;
      },
    };
    const r = rig({}, undefined, auth);
    r.set(100, "airborne");
    // Jump the sequence to just before the wrap (the sequence is private; send 65 534 frames cheaply).
    (r.tx as unknown as { seq: number }).seq = 65_534;
    await r.tx.tick();
    await r.tx.tick();
    failNext = true;
    expect(await r.tx.tick()).toEqual({ sent: null, reason: "counter_error" });
    expect(r.tx.status()).toMatchObject({ state: "fault" });
    failNext = false;
    await r.tx.tick();
    const counters = r.sent.map((s) => {
      expect(s.auth && verifyFrameAuth(s.auth, key)).toBe(true);
      return frameCounter(s.auth?.epoch ?? 0, s.msg.sequence);
    });
    expect(r.sent.map((s) => [s.auth?.epoch, s.msg.sequence])).toEqual([
      [7, 65_534],
      [7, 65_535],
      [8, 0],
    ]);
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    expect(r.tx.counters().epoch).toBe(8);
  });
});
