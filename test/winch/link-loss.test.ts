import { describe, expect, it } from "vitest";
import { type AircraftProfile, DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { Transmitter } from "../../src/aircraft/transmitter.js";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { RadioService } from "../../src/radio/radio-service.js";
import { DEFAULT_RADIO_SETTINGS } from "../../src/radio/radio-settings.js";
import { type Position, SimMedium } from "../../src/radio/sim-link.js";
import { decodeFrame } from "../../src/telemetry/frame.js";
import { identityHash } from "../../src/telemetry/identity.js";
import { LinkKey } from "../../src/telemetry/link-key.js";
import { type ShownTelemetry, WinchReceiver } from "../../src/winch/receiver.js";
import { pairingBookWith } from "./pairing-rig.js";

const { logger } = createDeviceLogger({ destination: null });
const CH = { frequency_hz: DEFAULT_RADIO_SETTINGS.frequency_hz, modem: "gfsk" as const };
const FULL_INTERVAL_MS = 2000;
const LS4: AircraftProfile = {
  registration: "D-9999",
  type: "LS4",
  unit: "kt",
  v_min: 50,
  v_opt: 58,
  v_max: 70,
  v_en: 30,
};

interface Truth {
  registration: string;
  type: string;
  unit: string;
  band: [number, number, number];
  tenths: number;
}

/**
 * One aircraft on the medium. Every frame it puts on air is recorded by (identity hash, sequence), so
 * whatever the winch shows can be checked against what was really sent together.
 */
function aircraft(
  medium: SimMedium,
  clock: ManualClock,
  position: Position,
  profile: AircraftProfile,
  phase = 0,
) {
  const truth = new Map<string, Truth>();
  let current = profile;
  const key = LinkKey.generate();
  let epoch = 1;
  const radio = new RadioService({ link: medium.attach(position, CH), logger, clock });
  const recording = {
    async send(frame: Uint8Array) {
      const out = await radio.send(frame);
      const d = decodeFrame(frame);
      if (out.sent && d.ok) {
        const m = d.msg;
        const hash = m.kind === "full" ? identityHash(m.registration, m.type) : m.identity_hash;
        truth.set(`${hash}:${m.sequence}`, {
          registration: current.registration,
          type: current.type,
          unit: current.unit,
          band: [current.v_min, current.v_opt, current.v_max],
          tenths: m.v_current_tenths,
        });
      }
      return out;
    },
  };
  const tx = new Transmitter({
    radio: recording,
    logger,
    clock,
    full_interval_ms: FULL_INTERVAL_MS,
    auth: { key: () => key, epoch: () => epoch, nextEpoch: async () => ++epoch },
    input: {
      // A climb-like trace that crosses the band, different per aircraft.
      latest: () => ({
        reading: {
          ias: current.v_opt + 25 * Math.sin((clock.now() + phase) / 3000),
          flight_phase: "airborne",
        },
        at_ms: clock.now(),
      }),
      profile: () => current,
    },
  });
  return {
    tx,
    truth,
    code: key.pairingCode(),
    setProfile(p: AircraftProfile) {
      current = p;
    },
  };
}

/** Checks a shown frame against what the aircraft really sent with that identity hash and sequence. */
function checkShown(t: ShownTelemetry, truths: Map<string, Truth>[]): void {
  const key = `${Number.parseInt(t.identity.identity_hash, 16)}:${t.seq}`;
  const sent = truths.map((m) => m.get(key)).find((x) => x !== undefined);
  expect(sent, `nothing was sent as ${key}`).toBeDefined();
  expect({
    registration: t.identity.registration,
    type: t.identity.type,
    unit: t.unit,
    band: [t.band.v_min, t.band.v_opt, t.band.v_max],
    tenths: Math.round(t.ias * 10),
  }).toEqual(sent);
}

/** A winch paired with `codes` (its pairings kept in memory). */
async function pairedWinch(clock: ManualClock, codes: string[]): Promise<WinchReceiver> {
  return new WinchReceiver({ logger, clock, pairings: await pairingBookWith(codes, logger, clock) });
}

async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    clock.advance(50);
    // Let the transmitters' async send chains finish before the next slot.
    await new Promise((r) => setImmediate(r));
  }
}

describe("telemetry over a lossy simulated link (30 % loss, seeded)", () => {
  it("a winch switched on mid-flight shows the aircraft at the first full frame it receives; ≥ 99 % within one full-frame interval", async () => {
    const trials = 200;
    const recoveryMs: number[] = [];
    const extraWaitAfterFirstReceivedFull: number[] = [];
    for (let seed = 1; seed <= trials; seed++) {
      const clock = new ManualClock();
      const medium = new SimMedium({ clock, seed, loss: 0.3, latency_ms: 2, fading_sigma_db: 0 });
      const a = aircraft(medium, clock, [0, 0, 300], DEFAULT_AIRCRAFT_PROFILE);
      a.tx.start();
      // Switch the winch on at a seed-dependent instant somewhere in a full-frame interval.
      await run(clock, 5000 + ((seed * 373) % FULL_INTERVAL_MS));
      const switchedOn = clock.now();
      const winchRadio = medium.attach([0, 0, 0], CH);
      const rx = await pairedWinch(clock, [a.code]);
      let firstFullAt: number | null = null;
      let firstShownAt: number | null = null;
      winchRadio.onReceive((frame, meta) => {
        const d = decodeFrame(frame);
        if (firstFullAt === null && d.ok && d.msg.kind === "full") firstFullAt = meta.rx_t_ms;
        rx.handleFrame(frame, meta);
      });
      rx.on("telemetry", (t) => {
        firstShownAt ??= t.rx_t_ms;
        expect(t.verified).toBe(true);
        checkShown(t, [a.truth]);
      });
      for (let i = 0; i < 40 && firstShownAt === null; i++) await run(clock, 500);
      a.tx.stop();
      expect(firstShownAt, `seed ${seed}: never recovered`).not.toBeNull();
      recoveryMs.push((firstShownAt ?? 0) - switchedOn);
      extraWaitAfterFirstReceivedFull.push((firstShownAt ?? 0) - (firstFullAt ?? Number.NaN));
    }
    // The receiver adds no wait of its own: it shows the aircraft at the first full frame that arrives.
    expect(new Set(extraWaitAfterFirstReceivedFull)).toEqual(new Set([0]));
    // Every other frame is full (5 in each 2 s interval), each arriving with p = 0.7: all five lost has
    // p = 0.3^5 = 0.24 %, so ≥ 99 % recover within one interval (before: one full frame per interval,
    // p = 0.7, 73 % measured). 200 seeds, a fixed set, so the figure is reproducible.
    const within = (k: number) => recoveryMs.filter((ms) => ms <= k * FULL_INTERVAL_MS + 20).length / trials;
    expect(within(1)).toBeGreaterThanOrEqual(0.99);
    expect(within(2)).toBe(1);
    console.info(
      `recovery after switch-on, 30 % loss, ${trials} seeds: within 1 interval ${within(1)}, 2: ${within(2)}, 3: ${within(3)}; max ${Math.max(...recoveryMs)} ms`,
    );
  });

  it("never shows a wrong identity/band/IAS pairing: two aircraft on one channel and an identity change mid-stream", async () => {
    const clock = new ManualClock();
    const medium = new SimMedium({ clock, seed: 2024, loss: 0.3, jitter_ms: 3 });
    const a = aircraft(medium, clock, [0, 0, 300], DEFAULT_AIRCRAFT_PROFILE, 0);
    const b = aircraft(medium, clock, [800, 0, 200], LS4, 1234);
    const rx = await pairedWinch(clock, [a.code, b.code]);
    rx.attach(medium.attach([0, 0, 0], CH));
    const shown: ShownTelemetry[] = [];
    rx.on("telemetry", (t) => {
      checkShown(t, [a.truth, b.truth]);
      shown.push(t);
    });
    a.tx.start();
    await run(clock, 100); // the two transmitters' slots interleave
    b.tx.start();
    await run(clock, 30_000);
    a.setProfile({
      ...DEFAULT_AIRCRAFT_PROFILE,
      registration: "D-4321",
      type: "ASK 13",
      v_min: 80,
      v_opt: 90,
      v_max: 110,
    });
    await run(clock, 30_000);
    a.tx.stop();
    b.tx.stop();

    const regs = new Set(shown.map((t) => t.identity.registration));
    expect(regs).toEqual(new Set(["D-1234", "D-9999", "D-4321"]));
    const s = rx.counters();
    expect(s.held_back).toBeGreaterThan(0); // deltas of the aircraft not currently identified
    // Loss is counted per transmitter from its own sequence: close to 30 % of what was sent.
    const sentTotal = a.truth.size + b.truth.size;
    expect(s.received + s.lost).toBeLessThanOrEqual(sentTotal);
    expect(s.lost / sentTotal).toBeGreaterThan(0.2);
    expect(s.lost / sentTotal).toBeLessThan(0.4);
  });
});
