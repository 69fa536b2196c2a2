import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { median } from "../../bench/lib/stats.js";
import { DEFAULT_SAMPLE_HZ } from "../../src/aircraft/aircraft-state.js";
import type { Launch, LaunchDetail, LaunchHistory } from "../../src/api/schemas/history.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { parseReplayCsv } from "../../src/sensors/replay-source.js";
import { startTestDevice, steppedClock, type TestDevice } from "./device-harness.js";

/*
 * The history API on real devices after a real (simulated, 10× compressed) flight, and the replay round
 * trip: a launch recorded by one pair of units, downloaded as CSV, flown again through a second pair
 * from `--sensor replay`, gives the same launch (shape within loss and quantisation).
 */

const TIME_SCALE = 10;
const started: TestDevice[] = [];
const tmp = mkdtempSync(join(tmpdir(), "owts-roundtrip-"));
afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
  rmSync(tmp, { recursive: true, force: true });
});

async function pair(sensor: Parameters<typeof startTestDevice>[0]["sensor"], seed: number) {
  const medium = new SimMedium({ seed, fading_sigma_db: 0 });
  const aircraft = await startTestDevice({
    mode: "aircraft",
    medium,
    position: [0, 0, 300],
    sensor,
    sensorClock: steppedClock(1000 / DEFAULT_SAMPLE_HZ),
  });
  const winch = await startTestDevice({ mode: "winch", medium, position: [400, 0, 0] });
  started.push(aircraft, winch);
  return { aircraft, winch };
}

async function oneLaunch(d: TestDevice, timeoutMs = 90_000): Promise<Launch> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const h = (await d.call("GET", "/api/history")).json as LaunchHistory;
    if (h.launches.length > 0) return h.launches[0]!;
    if (Date.now() > end) {
      const live = await d.call(
        "GET",
        d.device.identity().mode === "winch" ? "/api/winch" : "/api/aircraft/live",
      );
      throw new Error(
        `no launch recorded in time: ${JSON.stringify(h).slice(0, 400)} ${live.text.slice(0, 400)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function detail(d: TestDevice, id: string): Promise<LaunchDetail> {
  const r = await d.call("GET", `/api/history/${id}`);
  expect(r.status).toBe(200);
  return r.json as LaunchDetail;
}

/** RMS difference of two traces on a 0.5 s grid, over the best time offset within ±3 s. */
function shapeDifference(a: LaunchDetail["trace"], b: LaunchDetail["trace"], stepMs: number): number {
  const at = (t: LaunchDetail["trace"], ms: number) => {
    let j = 0;
    while (j < t.t_ms.length - 2 && t.t_ms[j + 1]! <= ms) j++;
    const u = Math.min(1, Math.max(0, (ms - t.t_ms[j]!) / (t.t_ms[j + 1]! - t.t_ms[j]!)));
    return t.ias[j]! + (t.ias[j + 1]! - t.ias[j]!) * u;
  };
  const end = Math.min(a.t_ms.at(-1)!, b.t_ms.at(-1)!) - 3 * stepMs * 6;
  let best = Number.POSITIVE_INFINITY;
  for (let off = -6 * stepMs; off <= 6 * stepMs; off += stepMs / 2) {
    let sum = 0;
    let n = 0;
    for (let t = 6 * stepMs; t < end; t += stepMs) {
      sum += (at(a, t) - at(b, t + off)) ** 2;
      n++;
    }
    best = Math.min(best, Math.sqrt(sum / n));
  }
  return best;
}

describe("history API and the replay round trip", () => {
  let first: { aircraft: TestDevice; winch: TestDevice };
  let winchLaunch: Launch;
  let aircraftLaunch: Launch;

  it("both units record the launch: the winch its frames, the aircraft its own readings", async () => {
    first = await pair(
      { kind: "sim", seed: 11, timeScale: TIME_SCALE, loop: false, firstLaunchAfterS: 1 },
      3,
    );
    [winchLaunch, aircraftLaunch] = await Promise.all([oneLaunch(first.winch), oneLaunch(first.aircraft)]);
    for (const l of [winchLaunch, aircraftLaunch]) {
      expect(l).toMatchObject({ released: true, complete: true, registration: "D-1234" });
      expect(l.trace_points).toBeGreaterThan(100);
    }
    expect(winchLaunch.source).toBe("winch");
    expect(aircraftLaunch.source).toBe("aircraft");
    // The same launch seen from both ends: max IAS within the frame's 0.1 quantisation and loss.
    expect(Math.abs(winchLaunch.max_ias - aircraftLaunch.max_ias)).toBeLessThan(3);
  }, 120_000);

  it("serves the list with an ETag (304 when nothing changed), a launch, its CSV and the start list", async () => {
    const w = first.winch;
    const list = await w.call("GET", "/api/history");
    const etag = String(list.headers.etag);
    const again = await w.call("GET", "/api/history", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const d = await detail(w, winchLaunch.id);
    expect(d.launch).toEqual(winchLaunch);
    expect(d.trace.t_ms).toHaveLength(winchLaunch.trace_points);
    // At 10× a ground roll lasts a few frames; the launch, the release and the landing are all there.
    expect(d.trace.phase).toEqual(expect.arrayContaining(["launch", "released", "landing_hold"]));
    expect(d.trace.phase.at(-1)).toBe("landed");
    const csv = await w.call("GET", `/api/history/${winchLaunch.id}.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(parseReplayCsv(csv.text).points).toHaveLength(winchLaunch.trace_points);
    const starts = await w.call("GET", "/api/history.csv");
    const rows = starts.text.trim().split("\n");
    expect(rows[0]).toMatch(/^start_utc,duration_s,registration,type,launch_method,max_ias/);
    expect(rows[1]).toContain(
      `${winchLaunch.start},${winchLaunch.duration_s},D-1234,ASK 21,W,${winchLaunch.max_ias},kmh,`,
    );
  });

  it("bad input: unknown or malformed ids are a 404 envelope and change nothing", async () => {
    const w = first.winch;
    for (const ref of [
      "20990101T000000Z-0000",
      "20990101T000000Z-0000.csv",
      "..%2F..%2Fnvs%2Fhistory",
      "x".repeat(60),
    ]) {
      for (const method of ["GET", "DELETE"]) {
        const r = await w.call(method, `/api/history/${ref}`);
        expect(r.status, `${method} ${ref}`).toBe(404);
        expect((r.json as { error: string }).error).toBe("not_found");
      }
    }
    expect(((await w.call("GET", "/api/history")).json as LaunchHistory).launches).toHaveLength(1);
  });

  it("a launch downloaded as CSV flies again through a second pair of units: the same launch comes out", async () => {
    const csv = await first.aircraft.call("GET", `/api/history/${aircraftLaunch.id}.csv`);
    const file = join(tmp, "launch.csv");
    writeFileSync(file, csv.text);
    const second = await pair({ kind: "replay", path: file, timeScale: TIME_SCALE }, 4);
    const [w2, a2] = await Promise.all([oneLaunch(second.winch), oneLaunch(second.aircraft)]);
    expect([a2.released, w2.released]).toEqual([true, true]);
    // The aircraft units sample on a stepped clock (one sample period per reading, see `steppedClock`):
    // the replay reads the recording at the instants it was recorded, whatever the machine's load. What
    // may differ: the CSV's 0.1 quantisation, and the start — the recording begins where the first
    // unit had already seen the ground roll, so the replaying unit spends its own roll detection inside
    // it (1.0 s of the launch's 47 s seen, the same in every run).
    expect(Math.abs(a2.max_ias - aircraftLaunch.max_ias)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(a2.duration_s - aircraftLaunch.duration_s)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(a2.in_band_share - aircraftLaunch.in_band_share)).toBeLessThan(0.05);
    // The winch hears a frame per 2 s of simulated time, on its real clock: its peaks are sampled
    // coarsely, and on a loaded machine frames arrive late and bunched. A frame's zone holds until the
    // next, so one frame more or less in a zone moves the in-band share by a frame's share of the launch.
    const heardAt = (await detail(first.winch, winchLaunch.id)).trace.t_ms;
    const frameMs = median(heardAt.slice(1).map((t, i) => t - heardAt[i]!));
    expect(Math.abs(w2.max_ias - winchLaunch.max_ias)).toBeLessThan(6);
    expect(Math.abs(w2.duration_s - winchLaunch.duration_s)).toBeLessThan(2.5);
    expect(Math.abs(w2.in_band_share - winchLaunch.in_band_share)).toBeLessThanOrEqual(
      (3 * frameMs) / (winchLaunch.duration_s * 1000),
    );
    // Trace against trace, RMS once aligned.
    const ownA = (await detail(first.aircraft, aircraftLaunch.id)).trace;
    const ownB = (await detail(second.aircraft, a2.id)).trace;
    // The same samples, shifted by the start above: RMS 0 once aligned. Not replayed: tens of km/h.
    expect(shapeDifference(ownA, ownB, 500)).toBeLessThan(1);
    const rxA = (await detail(first.winch, winchLaunch.id)).trace;
    const rxB = (await detail(second.winch, w2.id)).trace;
    // The winch's traces run on its real clock with the flight at 10×: on a loaded 2-core machine frames
    // arrive late and bunched, which stretches its shape (RMS 1.5–9 km/h seen); the aircraft's traces
    // above are the exact check. A launch that did not replay would differ by tens of km/h.
    expect(shapeDifference(rxA, rxB, 500 / TIME_SCALE)).toBeLessThan(12);
  }, 120_000);

  it("DELETE one launch: gone from the list, its id a 404", async () => {
    const w = first.winch;
    expect((await w.call("DELETE", `/api/history/${winchLaunch.id}`)).status).toBe(204);
    expect(((await w.call("GET", "/api/history")).json as LaunchHistory).launches).toEqual([]);
    expect((await w.call("GET", `/api/history/${winchLaunch.id}`)).status).toBe(404);
  });
});
