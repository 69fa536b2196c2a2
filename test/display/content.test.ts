import { describe, expect, it } from "vitest";
import { AircraftState } from "../../src/aircraft/aircraft-state.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { ManualClock } from "../../src/core/clock.js";
import { toMps } from "../../src/core/units.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import {
  aircraftContentSource,
  type DisplayContent,
  fingerprintHead,
  winchContentSource,
  withStartScreen,
} from "../../src/display/content.js";
import { stripColours } from "../../src/display/strip-layout.js";
import { ttyLines } from "../../src/display/tty.js";
import type { IasSample, IasSource, SensorHealth } from "../../src/sensors/ias-source.js";
import { encodeFrame, type FullTelemetry } from "../../src/telemetry/frame.js";
import { LinkKey } from "../../src/telemetry/link-key.js";
import { WinchReceiver } from "../../src/winch/receiver.js";
import { pairingBookWith } from "../winch/pairing-rig.js";
import { START } from "./screens.js";

const FULL: FullTelemetry = {
  kind: "full",
  registration: "D-1234",
  type: "ASK 21",
  unit: "kmh",
  v_min: 90,
  v_opt: 105,
  v_max: 130,
  v_current_tenths: 1000,
  sequence: 0,
};

/** A paired winch fed frames signed by its aircraft (what a field unit shows as live). */
async function winchRig() {
  const clock = new ManualClock(10_000);
  const { logger } = createDeviceLogger({ destination: null });
  const key = LinkKey.generate();
  const rx = new WinchReceiver({
    logger,
    clock,
    pairings: await pairingBookWith([key.pairingCode()], logger, clock),
  });
  let seq = 0;
  const send = (tenths: number, extra: Partial<FullTelemetry> = {}) => {
    const r = encodeFrame(
      { ...FULL, v_current_tenths: tenths, sequence: seq++, ...extra },
      { key, epoch: 1 },
    );
    if (!r.ok) throw new Error(r.message);
    rx.handleFrame(r.bytes, { rssi_dbm: -87, snr_db: 9, rx_t_ms: clock.now() });
  };
  const content = winchContentSource({
    receiver: rx,
    hostname: "owts-winch.local",
    address: () => "192.168.4.1",
    clock,
  });
  return { clock, send, content };
}

describe("display content from the winch receiver", () => {
  it("a paired winch shows no IAS from frames it cannot verify; a signed one shows live", async () => {
    const clock = new ManualClock(10_000);
    const { logger } = createDeviceLogger({ destination: null });
    const paired = LinkKey.generate();
    const rx = new WinchReceiver({
      logger,
      clock,
      pairings: await pairingBookWith([paired.pairingCode()], logger, clock),
    });
    const content = winchContentSource({ receiver: rx, hostname: "w", address: () => null, clock });
    const send = (sequence: number, key?: LinkKey) => {
      const r = encodeFrame({ ...FULL, sequence }, key ? { key, epoch: 1 } : undefined);
      if (!r.ok) throw new Error(r.message);
      rx.handleFrame(r.bytes, { rssi_dbm: -87, snr_db: 9, rx_t_ms: clock.now() });
    };
    send(0); // unsigned
    send(1, LinkKey.generate()); // signed by a unit this winch is not paired with
    expect(content()).toEqual({ kind: "winch", link: "no_signal", hostname: "w", address: null });
    send(2, paired);
    expect(content()).toMatchObject({ kind: "winch", link: "ok", ias: 100, registration: "D-1234" });
  });

  it("off the cable, and unverified on a winch with no pairing: no zone, no band, the speed only as heard", async () => {
    const { send, content } = await winchRig();
    send(1040, { phase: "launch" });
    expect(content()).toMatchObject({ link: "ok", zone: "inside" });
    for (const phase of ["released", "landing_hold", "landed"] as const) {
      send(1200, { phase });
      expect(content()).toEqual({
        kind: "winch",
        link: "held",
        reason: "released",
        registration: "D-1234",
        heard_ias: 120,
        unit: "kmh",
      });
    }
    // No pairing: any well-formed frame is heard, none is a launch figure.
    const clock = new ManualClock(10_000);
    const { logger } = createDeviceLogger({ destination: null });
    const rx = new WinchReceiver({ logger, clock });
    const open = winchContentSource({ receiver: rx, hostname: "w", address: () => null, clock });
    const r = encodeFrame({ ...FULL, sequence: 0 });
    if (!r.ok) throw new Error(r.message);
    rx.handleFrame(r.bytes, { rssi_dbm: -87, snr_db: 9, rx_t_ms: clock.now() });
    expect(open()).toMatchObject({ link: "held", reason: "unverified", heard_ias: 100 });
    expect(open()).not.toHaveProperty("zone");
  });

  it("live in each zone: IAS, unit, zone, band, registration, RSSI; RX mark for 250 ms after a frame", async () => {
    const { clock, send, content } = await winchRig();
    for (const [tenths, zone] of [
      [820, "below"],
      [1040, "inside"],
      [1370, "above"],
    ] as const) {
      send(tenths);
      expect(content()).toEqual({
        kind: "winch",
        link: "ok",
        ias: tenths / 10,
        unit: "kmh",
        zone,
        band: { v_min: 90, v_opt: 105, v_max: 130 },
        registration: "D-1234",
        rssi_dbm: -87,
        rx: true,
      });
      clock.advance(249);
      expect(content()).toMatchObject({ rx: true });
      clock.advance(1);
      expect(content()).toMatchObject({ link: "ok", rx: false });
    }
  });

  it("stale: no current IAS in the content at all, only the last value and its age; then no signal", async () => {
    const { clock, send, content } = await winchRig();
    send(1040);
    clock.advance(3200);
    const stale = content();
    expect(stale).toEqual({
      kind: "winch",
      link: "stale",
      registration: "D-1234",
      last_ias: 104,
      unit: "kmh",
      age_s: 3,
    });
    expect("ias" in stale).toBe(false);
    clock.advance(10_000);
    expect(content()).toEqual({
      kind: "winch",
      link: "no_signal",
      hostname: "owts-winch.local",
      address: "192.168.4.1",
    });
    // A new frame brings the live screen back, with the RX mark.
    send(1100);
    expect(content()).toMatchObject({ link: "ok", ias: 110, rx: true });
  });

  it("before any frame: no signal", async () => {
    const { content } = await winchRig();
    expect(content()).toMatchObject({ kind: "winch", link: "no_signal" });
  });
});

/** A source playing a list of readings (the seam AircraftState reads through; no hardware here). */
function scripted(kmh: (number | null)[]): IasSource & { health(): SensorHealth } {
  let i = 0;
  let health: SensorHealth = { state: "ok", errors: 0, source: "script" };
  return {
    kind: "script",
    start: async () => {},
    async read(): Promise<IasSample | null> {
      const v = kmh[Math.min(i, kmh.length - 1)]!;
      const t_ms = i++ * 1000;
      if (v === null) {
        health = { state: "fault", reason: "I2C read failed", errors: 1, source: "script" };
        return null;
      }
      health = { state: "ok", errors: 0, source: "script" };
      return { t_ms, ias_mps: toMps("kmh", v) };
    },
    health: () => health,
    close: async () => {},
  };
}

describe("display content from the aircraft state", () => {
  it("phases, IAS, transmit state and landing-hold seconds; no IAS while the sensor fails", async () => {
    const speeds = [0, 0, 120, 120, 120, 20, 20, 20, 20, null];
    const aircraft = new AircraftState({
      source: scripted(speeds),
      profile: DEFAULT_AIRCRAFT_PROFILE,
      phase: { landing_hold_time_s: 30, smoothing_ms: 0 },
    });
    let tx: "sending" | "idle" = "idle";
    const content = aircraftContentSource({
      aircraft,
      transmitter: { status: () => ({ state: tx, sent: 0, blocked_duty: 0, errors: 0, duty_used_ppm: 0 }) },
    });
    const seen: DisplayContent[] = [];
    for (let i = 0; i < speeds.length; i++) {
      await aircraft.tick();
      tx = aircraft.snapshot().flight_phase === "landed" ? "idle" : "sending";
      seen.push(content());
    }
    expect(seen[0]).toEqual({
      kind: "aircraft",
      phase: "landed",
      ias: 0,
      unit: "kmh",
      sensor: "ok",
      tx: "idle",
      landing_hold_s: 0,
      landing_hold_total_s: 30,
    });
    expect(seen[3]).toMatchObject({ phase: "airborne", ias: 120, tx: "sending" });
    expect(seen[8]).toMatchObject({ phase: "landing_hold", ias: 20 });
    expect((seen[8] as { landing_hold_s: number }).landing_hold_s).toBeGreaterThan(0);
    expect(seen[9]).toMatchObject({ ias: null, sensor: "fault" });
  });

  it("without a transmitter the transmit state reads off", () => {
    const content = aircraftContentSource({
      aircraft: {
        snapshot: () => ({
          ias: 0,
          unit: "kt",
          flight_phase: "landed",
          phase: "landed",
          is_landed: true,
          landing_hold_s: 0,
          sensor: { state: "starting", reason: "not started", errors: 0, source: "sim" },
          climb_mps: null,
          baro: null,
        }),
      },
    });
    expect(content()).toMatchObject({ tx: "off", ias: null, sensor: "starting", landing_hold_total_s: null });
  });
});

describe("start screen", () => {
  it("is shown for its time from the first update, then the live content", () => {
    const clock = new ManualClock(0);
    const c = withStartScreen(
      START,
      5000,
      () => ({ kind: "winch", link: "no_signal", hostname: "h", address: null }),
      clock,
    );
    clock.advance(1000);
    expect(c()).toBe(START);
    clock.advance(4999);
    expect(c()).toBe(START);
    clock.advance(1);
    expect(c()).toMatchObject({ link: "no_signal" });
  });

  it("keeps the first six groups of the fingerprint", () => {
    const fp =
      "3F:A2:9C:01:7E:D4:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE";
    expect(fingerprintHead(fp)).toBe("3F:A2:9C:01:7E:D4");
    expect(fingerprintHead(fp, 2)).toBe("3F:A2");
  });
});

describe("held content on every display", () => {
  const held = (reason: "released" | "unverified"): DisplayContent => ({
    kind: "winch",
    link: "held",
    reason,
    registration: "D-1234",
    heard_ias: 120,
    unit: "kmh",
  });

  it("the strip stays dark, the console says why and shows no zone word", () => {
    for (const reason of ["released", "unverified"] as const) {
      expect([...stripColours(held(reason), 30, 255, 0)].every((b) => b === 0)).toBe(true);
      const text = ttyLines(held(reason)).join("\n");
      expect(text).toContain(reason === "released" ? "launch complete" : "no pairing");
      expect(text).toContain("heard 120 km/h — no zone");
      for (const word of ["TOO SLOW", "TOO FAST", "IN BAND"]) expect(text).not.toContain(word);
    }
  });
});
