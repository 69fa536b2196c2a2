import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEARTBEAT } from "../../src/api/event-stream.js";
import type { AircraftLive, WinchState } from "../../src/api/schemas/index.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { openSse, type SseStream } from "../helpers/sse-client.js";
import { startTestDevice, type TestDevice } from "./device-harness.js";

/*
 * The live event streams against real devices over real HTTPS/1.1 (HTTP/2: event-stream-h2.test.ts):
 * the polled document as events tagged with its ETag, only on change, heartbeats, Last-Event-ID,
 * bounds, the mode-only envelope, and clean ends on a mode restart and on shutdown.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STREAMS = { heartbeatMs: 200 };
const opened: SseStream[] = [];
const started: TestDevice[] = [];

async function start(...args: Parameters<typeof startTestDevice>): Promise<TestDevice> {
  const d = await startTestDevice(...args);
  started.push(d);
  return d;
}
async function stream(d: TestDevice, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await openSse({ port: d.port, path, ca: d.device.certificate().certPem, headers });
  opened.push(s);
  return s;
}
const data = (s: SseStream) => s.events.filter((e) => e.event === "message");

afterAll(async () => {
  for (const s of opened) s.close();
  await Promise.all(started.map((d) => d.stop()));
});

describe("GET /api/winch/stream", () => {
  let medium: SimMedium;
  let winch: TestDevice;
  let aircraft: TestDevice;
  beforeAll(async () => {
    medium = new SimMedium({ seed: 5, fading_sigma_db: 0 });
    winch = await start({
      mode: "winch",
      espId: "5E7A01",
      medium,
      position: [300, 0, 0],
      api: { streams: STREAMS },
    });
  }, 20_000);

  it("opens with the polled document tagged with its ETag, then heartbeats and nothing else while nothing changes", async () => {
    const s = await stream(winch, "/api/winch/stream");
    expect(s.status).toBe(200);
    expect(s.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(s.headers["cache-control"]).toBe("no-cache");
    expect(s.headers["x-content-type-options"]).toBe("nosniff");
    const first = await s.next((e) => e.event === "message");
    const polled = await winch.call("GET", "/api/winch");
    expect(JSON.parse(first.data)).toEqual(polled.json);
    expect(first.id).toBe(polled.headers.etag);
    expect(s.retry).toBe(1000);
    await sleep(700);
    expect(data(s)).toHaveLength(1);
    expect(s.comments.filter((c) => c === "heartbeat").length).toBeGreaterThanOrEqual(2);
    expect(s.events.filter((e) => e.event === "heartbeat" && e.id === null).length).toBeGreaterThanOrEqual(2);
    expect(s.raw()).toContain(HEARTBEAT);
    s.close();
  });

  it("sends one event per shown frame and per link change, each with a new id, each the polled document's shape", async () => {
    const s = await stream(winch, "/api/winch/stream");
    await s.next((e) => e.event === "message");
    aircraft = await start({
      mode: "aircraft",
      espId: "5E7A02",
      medium,
      position: [0, 0, 200],
      sensor: { kind: "sim", seed: 9, firstLaunchAfterS: 0, timeScale: 3, loop: true },
    });
    await s.next((e) => e.event === "message" && (JSON.parse(e.data) as WinchState).link === "ok", 15_000);
    await sleep(1500);
    const docs = data(s).map((e) => ({ id: e.id, doc: JSON.parse(e.data) as WinchState }));
    const live = docs.filter((d) => d.doc.link === "ok");
    // 5 Hz frames over ~1.5 s: every one pushed (a frame lost on the air is simply not there).
    expect(live.length).toBeGreaterThanOrEqual(5);
    const ids = docs.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < live.length; i++)
      expect(live[i]!.doc.telemetry!.received).toBeGreaterThan(live[i - 1]!.doc.telemetry!.received);
    const polled = (await winch.call("GET", "/api/winch")).json as WinchState;
    expect(Object.keys(live.at(-1)!.doc).sort()).toEqual(Object.keys(polled).sort());
    expect(Object.keys(live.at(-1)!.doc.telemetry!).sort()).toEqual(Object.keys(polled.telemetry!).sort());

    // The aircraft goes quiet: the stale link is pushed when it happens, not when someone asks.
    await aircraft.stop();
    started.splice(started.indexOf(aircraft), 1);
    const stale = await s.next(
      (e) => e.event === "message" && (JSON.parse(e.data) as WinchState).link === "stale",
      5000,
    );
    const lastFrame = docs.at(-1)!;
    expect(stale.at - (s.events.find((e) => e.id === lastFrame.id)?.at ?? 0)).toBeLessThan(2500);
    s.close();
  }, 40_000);

  it("resumes with Last-Event-ID without repeating the current document; any other id gets it", async () => {
    const a = await stream(winch, "/api/winch/stream");
    const first = await a.next((e) => e.event === "message");
    a.close();
    const resumed = await stream(winch, "/api/winch/stream", { "last-event-id": first.id! });
    await sleep(600);
    expect(resumed.retry).toBe(1000);
    expect(resumed.comments).toContain("heartbeat");
    expect(data(resumed)).toEqual([]);
    resumed.close();
    for (const junk of ['W/"not-a-tag"', "x".repeat(4000), "", "\u00e9\u00e8"]) {
      const s = await stream(winch, "/api/winch/stream", { "last-event-id": junk });
      const e = await s.next((ev) => ev.event === "message");
      expect(e.id).toBe(first.id);
      s.close();
    }
    // Nothing was logged per stream or event.
    expect(winch.device.ring.after(0).lines.filter((l) => /stream/i.test(l.msg))).toEqual([]);
  });

  it("bounds streams per address (429, the envelope, Retry-After) and keeps serving everyone else", async () => {
    const four = await Promise.all([0, 1, 2, 3].map(() => stream(winch, "/api/winch/stream")));
    for (const s of four) expect(s.status).toBe(200);
    const fifth = await stream(winch, "/api/winch/stream");
    expect(fifth.status).toBe(429);
    expect(fifth.headers["content-type"]).toMatch(/^application\/json/);
    expect(fifth.headers["retry-after"]).toBe("5");
    await fifth.ended;
    expect(JSON.parse(fifth.raw())).toMatchObject({ error: "too_many_requests" });
    expect((await winch.call("GET", "/api/about")).status).toBe(200);
    expect((await winch.call("GET", "/api/winch")).status).toBe(200);
    four[0]!.close();
    await sleep(100);
    const again = await stream(winch, "/api/winch/stream");
    expect(again.status).toBe(200);
    for (const s of [...four, again]) s.close();
  });

  it("in aircraft mode answers the mode-only envelope, not an empty stream", async () => {
    const plane = await start({ mode: "aircraft", espId: "5E7A03" });
    const s = await stream(plane, "/api/winch/stream");
    expect(s.status).toBe(404);
    expect(s.headers["content-type"]).toMatch(/^application\/json/);
    await s.ended;
    expect(JSON.parse(s.raw())).toMatchObject({ error: "winch_mode_only" });
    const w = await stream(winch, "/api/aircraft/live/stream");
    expect(w.status).toBe(404);
    await w.ended;
    expect(JSON.parse(w.raw())).toMatchObject({ error: "aircraft_mode_only" });
  });
});

describe("GET /api/aircraft/live/stream", () => {
  it("pushes the polled document; ends cleanly on a mode restart, after which the stream is the other mode's 404", async () => {
    const plane = await start({
      mode: "aircraft",
      espId: "5E7A04",
      sensor: { kind: "sim", seed: 3, firstLaunchAfterS: 0, timeScale: 3, loop: true },
      api: { streams: STREAMS },
    });
    const s = await stream(plane, "/api/aircraft/live/stream");
    expect(s.status).toBe(200);
    const first = await s.next((e) => e.event === "message");
    const doc = JSON.parse(first.data) as AircraftLive;
    expect(doc).toHaveProperty("tx.state");
    expect(doc).toHaveProperty("flight_phase");
    const polled = await plane.call("GET", "/api/aircraft/live");
    expect(Object.keys(doc).sort()).toEqual(Object.keys(polled.json as object).sort());

    const put = await plane.call("PUT", "/api/mode", { body: { mode: "winch" } });
    expect(put.status).toBe(200);
    expect(await s.ended).toBe("end");
    const after = await stream(plane, "/api/aircraft/live/stream");
    expect(after.status).toBe(404);
    await after.ended;
    expect(JSON.parse(after.raw())).toMatchObject({ error: "aircraft_mode_only" });
  }, 30_000);

  it("ends cleanly and at once when the device shuts down", async () => {
    const plane = await startTestDevice({ mode: "aircraft", espId: "5E7A05", api: { streams: STREAMS } });
    const s = await stream(plane, "/api/aircraft/live/stream");
    await s.next((e) => e.event === "message");
    const t0 = performance.now();
    await plane.stop();
    expect(await s.ended).toBe("end");
    // Well inside the budget's 5 s hard stop: the stream did not hold the shutdown up.
    expect(performance.now() - t0).toBeLessThan(3000);
  }, 20_000);
});
