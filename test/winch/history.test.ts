import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AircraftState } from "../../src/aircraft/aircraft-state.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { Transmitter, telemetryInputFromAircraftState } from "../../src/aircraft/transmitter.js";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { RadioService } from "../../src/radio/radio-service.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { SimIasSource } from "../../src/sensors/sim-source.js";
import { type Launch, LaunchHistory, type LaunchStore, memoryLaunchStore } from "../../src/winch/history.js";
import { type ShownTelemetry, WinchReceiver } from "../../src/winch/receiver.js";

const ID_A = { registration: "D-1234", type: "ASK 21", identity_hash: "6c8a3b0a" };
const ID_B = { registration: "D-9999", type: "LS4", identity_hash: "0badf00d" };
const BAND = { v_min: 90, v_opt: 105, v_max: 130 };
const WALL0 = Date.parse("2025-05-01T10:00:00.000Z");

function shown(rx_t_ms: number, ias: number, identity = ID_A, lost_before = 0): ShownTelemetry {
  return {
    rx_t_ms,
    identity,
    band: BAND,
    unit: "kmh",
    ias,
    zone: ias < BAND.v_min ? "below" : ias > BAND.v_max ? "above" : "inside",
    seq: 0,
    lost_before,
    verified: true,
    phase: null,
    rssi_dbm: -80,
    snr_db: 8,
    sender: `h${identity.identity_hash}`,
  };
}

async function history(store: LaunchStore = memoryLaunchStore(), limit?: number) {
  const { logger, ring } = createDeviceLogger({ destination: null });
  let wall = WALL0;
  const h = await LaunchHistory.open({ store, logger, limit, wallNow: () => wall });
  return { h, ring, setWall: (ms: number) => (wall = ms) };
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A file-backed store like the settings store will give: JSON written to a temp file and renamed. */
async function fileStore(): Promise<LaunchStore & { path: string }> {
  const dir = await mkdtemp(join(tmpdir(), "owts-history-"));
  dirs.push(dir);
  const path = join(dir, "history.json");
  return {
    path,
    async load() {
      try {
        return JSON.parse(await readFile(path, "utf8")) as Launch[];
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
      }
    },
    async save(list) {
      await writeFile(`${path}.tmp`, JSON.stringify(list));
      const { rename } = await import("node:fs/promises");
      await rename(`${path}.tmp`, path);
    },
  };
}

describe("launch history", () => {
  it("records a launch from first frame to silence: start time, duration, max IAS, time-weighted share in band, losses", async () => {
    const { h } = await history();
    // 0–2 s below the band, 2–8 s inside, 8–10 s above; one frame lost before t = 4 s.
    h.onTelemetry(shown(1_000, 60));
    h.onTelemetry(shown(3_000, 100));
    h.onTelemetry(shown(5_000, 110, ID_A, 1));
    h.onTelemetry(shown(9_000, 140));
    h.onTelemetry(shown(11_000, 135));
    expect(h.launches()).toEqual([]);
    expect(h.current()).toMatchObject({ max_ias: 140, duration_s: 10 });
    h.finish();
    const [l] = h.launches();
    expect(l).toEqual({
      id: expect.stringMatching(/^20250501T100000Z-[0-9a-f]{4}$/),
      source: "winch",
      flight_s: 10,
      time_in_band_s: 3,
      time_to_vmin_s: 2,
      released: false,
      release_ias: null,
      max_gap_ms: 4000,
      trace_points: 0,
      complete: true,
      start: "2025-05-01T10:00:00.000Z",
      duration_s: 10,
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      max_ias: 140,
      // Intervals are capped at 1.5 s: below 1.5, inside 1.5 + 1.5, above 1.5 → 3 / 6.
      in_band_share: 0.5,
      frames_lost: 1,
      verified: true,
    });
  });

  it("a new identity ends the launch in progress; a handful of frames is not a launch", async () => {
    const { h } = await history();
    for (let i = 0; i < 10; i++) h.onTelemetry(shown(i * 200, 100));
    for (let i = 10; i < 12; i++) h.onTelemetry(shown(i * 200, 100, ID_B));
    h.finish();
    expect(h.launches().map((l) => [l.registration, l.duration_s])).toEqual([["D-1234", 1.8]]);
  });

  it("is bounded: the oldest launches are dropped", async () => {
    const { h } = await history(memoryLaunchStore(), 3);
    for (let n = 0; n < 5; n++) {
      for (let i = 0; i < 3; i++) h.onTelemetry(shown(n * 100_000 + i * 200, 100 + n));
      h.finish();
    }
    expect(h.launches().map((l) => l.max_ias)).toEqual([102, 103, 104]);
  });

  it("persists through the store and survives a restart (real file)", async () => {
    const store = await fileStore();
    const first = await history(store);
    for (let i = 0; i < 5; i++) first.h.onTelemetry(shown(i * 200, 100));
    first.h.finish();
    await first.h.flush();
    const second = await history(store);
    expect(second.h.launches()).toEqual(first.h.launches());
    for (let i = 0; i < 5; i++) second.h.onTelemetry(shown(i * 200, 120));
    second.h.finish();
    await second.h.flush();
    expect(JSON.parse(await readFile(store.path, "utf8")).map((l: Launch) => l.max_ias)).toEqual([100, 120]);
  });

  it("drops damaged stored entries with a warning, and starts empty if the store cannot be read", async () => {
    const good = await history();
    for (let i = 0; i < 3; i++) good.h.onTelemetry(shown(i * 200, 100));
    good.h.finish();
    const ok = good.h.launches()[0];
    const { h, ring } = await history(
      memoryLaunchStore([ok, { ...ok, unit: "furlong" }, { start: 1 }, null] as unknown as Launch[]),
    );
    expect(h.launches()).toEqual([ok]);
    expect(ring.after(0).lines.some((l) => l.level === "warn" && l.msg.includes("damaged"))).toBe(true);
    const broken = await history({
      load: () => {
        throw new Error("EIO");
      },
      save: () => {},
    });
    expect(broken.h.launches()).toEqual([]);
    expect(broken.ring.after(0).lines.some((l) => l.level === "error" && l.msg.includes("EIO"))).toBe(true);
  });

  it("keeps launches in memory when saving fails, and logs it", async () => {
    const { h, ring } = await history({
      load: () => [],
      save: async () => {
        throw new Error("disk full");
      },
    });
    for (let i = 0; i < 3; i++) h.onTelemetry(shown(i * 200, 100));
    h.finish();
    await h.flush();
    expect(h.launches()).toHaveLength(1);
    expect(ring.after(0).lines.some((l) => l.level === "error" && l.msg.includes("disk full"))).toBe(true);
  });

  it("clear() empties and persists; if persisting fails nothing is deleted", async () => {
    const store = memoryLaunchStore();
    const { h } = await history(store);
    for (let i = 0; i < 3; i++) h.onTelemetry(shown(i * 200, 100));
    h.finish();
    await h.flush();
    expect(store.saved).toHaveLength(1);
    const failing = { ...store, save: async () => Promise.reject(new Error("read-only")) };
    const h2 = await history(failing);
    await expect(h2.h.clear()).rejects.toThrow("read-only");
    expect(h2.h.launches()).toHaveLength(1);
    await h.clear();
    expect(h.launches()).toEqual([]);
    expect(store.saved).toEqual([]);
  });

  it("refuses a nonsense limit", async () => {
    await expect(history(memoryLaunchStore(), 0)).rejects.toThrow(/limit/);
  });
});

describe("a simulated flight end to end (sim IAS → phase machine → transmitter → sim radio → winch → history)", () => {
  it("records exactly one launch with the aircraft's identity, and the winch goes quiet after landing", async () => {
    const clock = new ManualClock();
    const { logger } = createDeviceLogger({ destination: null });
    const profile = DEFAULT_AIRCRAFT_PROFILE;
    const source = new SimIasSource({
      profile,
      seed: 7,
      loop: false,
      now: () => clock.now(),
      firstLaunchAfterS: 2,
    });
    const state = new AircraftState({ source, profile, sampleHz: 20 });
    await source.start();
    const medium = new SimMedium({ clock, seed: 3, loss: 0.1 });
    const txRadio = new RadioService({
      link: medium.attach([0, 0, 0], { frequency_hz: 0, modem: "gfsk" }),
      logger,
      clock,
    });
    const rxRadio = new RadioService({
      link: medium.attach([500, 0, 0], { frequency_hz: 0, modem: "gfsk" }),
      logger,
      clock,
    });
    const input = telemetryInputFromAircraftState(state, clock);
    const tx = new Transmitter({ radio: txRadio, input, logger, clock });
    const rx = new WinchReceiver({ logger, clock });
    rx.attach(rxRadio);
    rx.start();
    const h = await LaunchHistory.open({
      store: memoryLaunchStore(),
      logger,
      wallNow: () => WALL0 + clock.now(),
    });
    h.follow(rx);
    const phases: string[] = [];
    state.on("phase", (p) => phases.push(p.to));
    tx.start();
    let maxShown = 0;
    rx.on("telemetry", (t) => {
      maxShown = Math.max(maxShown, t.ias);
    });
    // 20 minutes at 20 samples/s is far longer than one circuit.
    for (
      let i = 0;
      i < 20 * 60 * 20 && !(phases.at(-1) === "landed" && rx.snapshot().link === "no_signal");
      i++
    ) {
      clock.advance(50);
      await state.tick();
      await new Promise((r) => setImmediate(r));
    }
    tx.stop();
    rx.stop();
    expect(phases).toEqual(["airborne", "landing_hold", "landed"]);
    const launches = h.launches();
    expect(launches).toHaveLength(1);
    const l = launches[0]!;
    expect(l).toMatchObject({
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
    });
    // The launch is first frame → release; the free flight after it is context (flight_s).
    expect(l.released).toBe(true);
    expect(l.max_ias).toBeLessThanOrEqual(maxShown);
    expect(l.max_ias).toBeGreaterThan(profile.v_opt);
    expect(l.release_ias).toBeGreaterThan(profile.v_min);
    expect(l.in_band_share).toBeGreaterThan(0.5);
    expect(l.in_band_share).toBeLessThan(1);
    expect(l.duration_s).toBeGreaterThan(25);
    expect(l.duration_s).toBeLessThan(70);
    expect(l.flight_s).toBeGreaterThan(l.duration_s + 60);
    expect(l.time_to_vmin_s).toBeGreaterThan(2);
    expect(l.time_to_vmin_s).toBeLessThan(10);
    expect(l.frames_lost).toBeGreaterThan(0);
    expect(l.frames_lost / (l.flight_s * 5)).toBeLessThan(0.2);
    expect(tx.status()).toMatchObject({ state: "idle", reason: "aircraft is landed" });
  });
});
