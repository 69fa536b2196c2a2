import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { LaunchPhase } from "../../src/core/launch-phase.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import type { TraceIo } from "../../src/store/trace-log.js";
import {
  LaunchHistory,
  type LaunchStore,
  memoryLaunchStore,
  type RecordInput,
} from "../../src/winch/history.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "owts-launches-"));
  dirs.push(d);
  return d;
}

const BAND = { v_min: 90, v_opt: 105, v_max: 130 };
function pt(
  t_ms: number,
  ias: number,
  phase: LaunchPhase | null,
  over: Partial<RecordInput> = {},
): RecordInput {
  return {
    t_ms,
    sender: "k1",
    registration: "D-1234",
    type: "ASK 21",
    unit: "kmh",
    band: BAND,
    ias,
    zone: ias < 90 ? "below" : ias > 130 ? "above" : "inside",
    phase,
    rssi_dbm: -80,
    snr_db: 9,
    lost: 0,
    verified: true,
    ...over,
  };
}

/** A launch at 5 Hz: ground roll 3 s, climb at 105 for 30 s, release, glide 20 s, landing. */
function* flight(t0 = 1000): Generator<RecordInput> {
  let t = t0;
  for (let i = 0; i < 15; i++, t += 200) yield pt(t, i * 4, "ground_roll");
  for (let i = 0; i < 150; i++, t += 200) yield pt(t, i < 15 ? 60 + i * 3 : 105, "launch");
  for (let i = 0; i < 100; i++, t += 200) yield pt(t, 92, "released");
  for (let i = 0; i < 20; i++, t += 200) yield pt(t, 60 - i * 3, "landing_hold");
  yield pt(t, 0, "landed");
}

async function open(
  dir: string,
  store: LaunchStore,
  extra: Partial<Parameters<typeof LaunchHistory.open>[0]> = {},
) {
  const { logger, ring } = createDeviceLogger({ destination: null });
  const clock = new ManualClock();
  const h = await LaunchHistory.open({
    store,
    logger,
    traceDir: dir,
    clock,
    wallNow: () => Date.parse("2025-05-01T10:00:00Z"),
    ...extra,
  });
  return { h, clock, ring };
}

describe("launch recorder with traces", () => {
  it("records first frame → release as the launch and the rest to landing as context; the trace reads back", async () => {
    const dir = await tmp();
    const store = memoryLaunchStore();
    const { h, clock } = await open(dir, store);
    let n = 0;
    for (const p of flight()) {
      // A profile saved mid-flight (new registration) does not split the launch.
      h.record(n++ >= 100 ? { ...p, registration: "D-1235" } : p);
      clock.advance(200);
    }
    await h.flush();
    const [l] = h.launches();
    expect(h.launches()).toHaveLength(1);
    expect(l).toMatchObject({
      source: "winch",
      released: true,
      release_ias: 105,
      max_ias: 105,
      duration_s: 33,
      complete: true,
      trace_points: 286,
      registration: "D-1235",
    });
    expect(l!.time_to_vmin_s).toBe(5); // 3 s of ground roll, then 60 → 90 km/h at 3 km/h per frame
    expect(l!.in_band_share).toBeGreaterThan(0.8);
    expect(l!.flight_s).toBeGreaterThan(l!.duration_s + 20);
    expect(store.saved).toHaveLength(1);
    const t = await h.trace(l!.id);
    expect(t?.points).toHaveLength(286);
    expect(t?.points[20]).toMatchObject({ phase: "launch", rssi_dbm: -80, zone: "below" });
    expect(t?.events.map((e) => e.text)).toEqual(["identity D-1235 / ASK 21"]);
    expect(await readdir(dir)).toEqual([`${l!.id}.csv`]);
    expect(h.progress()).toMatchObject({ id: l!.id, ended: true, released: true, phase: "landed" });
  });

  it("a frame heard first in free flight, or the landed tail, opens no launch", async () => {
    const { h } = await open(await tmp(), memoryLaunchStore());
    for (let i = 0; i < 10; i++) h.record(pt(i * 200, 92, "released"));
    h.record(pt(3000, 0, "landed"));
    h.finish();
    expect(h.launches()).toEqual([]);
    expect(h.current()).toBeNull();
  });

  it("a power cut mid-launch loses at most the last batch: the launch is recovered from its trace, marked incomplete", async () => {
    const dir = await tmp();
    const store = memoryLaunchStore();
    const { h, clock } = await open(dir, store);
    let i = 0;
    for (const p of flight()) {
      if (i++ === 120) break; // the power goes here, mid-climb
      h.record(p);
      clock.advance(200);
    }
    await h.flush(); // only what the timer's batches wrote; nothing was finished or saved
    expect(store.saved).toHaveLength(0);
    const again = await open(dir, store);
    const [l] = again.h.launches();
    expect(l).toMatchObject({ complete: false, released: false });
    expect(l!.incomplete_reason).toMatch(/recovered/);
    // Batches every 2 s at 5 points/s: at most 10 points (plus the unflushed rest) are lost.
    expect(l!.trace_points).toBeGreaterThanOrEqual(120 - 10);
    expect(store.saved).toHaveLength(1);
  });

  it("a damaged trace file is set aside and reported; its summary and the other launches are still served", async () => {
    const dir = await tmp();
    const store = memoryLaunchStore();
    const { h, clock } = await open(dir, store);
    for (const k of [0, 1]) {
      for (const p of flight(k * 100_000)) {
        h.record(p);
        clock.advance(200);
      }
    }
    await h.flush();
    const [a, b] = h.launches();
    await writeFile(join(dir, `${a!.id}.csv`), "not a trace\n#crc 1 00000000\n");
    const again = await open(dir, store);
    const t = await again.h.trace(a!.id);
    expect(t?.points).toEqual([]);
    expect(t?.launch.id).toBe(a!.id);
    expect(again.h.damaged()).toEqual([
      { file: expect.stringContaining(`${a!.id}.csv.damaged-`), reason: expect.any(String) },
    ]);
    expect((await again.h.trace(b!.id))?.points).toHaveLength(286);
    expect(again.h.launches().map((l) => l.id)).toEqual([a!.id, b!.id]);
  });

  it("a disk that fills mid-launch: the launch is marked incomplete, the recorder goes on, older launches untouched", async () => {
    const dir = await tmp();
    const store = memoryLaunchStore();
    const first = await open(dir, store);
    for (const p of flight()) {
      first.h.record(p);
      first.clock.advance(200);
    }
    await first.h.flush();
    const before = await readFile(join(dir, `${first.h.launches()[0]!.id}.csv`));
    let room = 3000;
    const io: TraceIo = {
      async open() {
        return {
          async write(buf: Uint8Array, off = 0, len = buf.length - off) {
            if (len > room) throw Object.assign(new Error("no space left"), { code: "ENOSPC" });
            room -= len;
            return { bytesWritten: len, buffer: buf };
          },
          async datasync() {},
          async close() {},
        } as never;
      },
    };
    const { h, clock, ring } = await open(dir, store, { traceIo: io });
    for (const p of flight(500_000)) {
      h.record(p);
      clock.advance(200);
      await Promise.resolve();
    }
    await h.flush();
    const [old, cut] = h.launches();
    expect(old).toMatchObject({ complete: true, trace_points: 286 });
    expect(cut).toMatchObject({ complete: false, released: true });
    expect(cut!.incomplete_reason).toMatch(/storage/);
    expect(cut!.trace_points).toBeLessThan(286);
    expect(await readFile(join(dir, `${old!.id}.csv`))).toEqual(before);
    expect(ring.after(0).lines.some((l) => /marked incomplete/.test(l.msg))).toBe(true);
  });

  it("is bounded: the oldest traces go first when over the byte budget, their summaries stay", async () => {
    const dir = await tmp();
    const { h, clock } = await open(dir, memoryLaunchStore(), { max_trace_bytes: 15_000 });
    for (const k of [0, 1, 2]) {
      for (const p of flight(k * 100_000)) {
        h.record(p);
        clock.advance(200);
      }
      await h.flush();
    }
    const ls = h.launches();
    expect(ls).toHaveLength(3);
    expect(ls.map((l) => l.trace_points > 0)).toEqual([false, false, true]);
    expect(await readdir(dir)).toEqual([`${ls[2]!.id}.csv`]);
  });

  it("deletes one launch (summary saved first, then the trace); an unknown id changes nothing", async () => {
    const dir = await tmp();
    const store = memoryLaunchStore();
    const { h, clock } = await open(dir, store);
    for (const p of flight()) {
      h.record(p);
      clock.advance(200);
    }
    await h.flush();
    const id = h.launches()[0]!.id;
    expect(await h.remove("20990101T000000Z-0000")).toBe(false);
    expect(store.saved).toHaveLength(1);
    expect(await h.remove(id)).toBe(true);
    expect(h.launches()).toEqual([]);
    expect(store.saved).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});
