import { afterAll, describe, expect, it } from "vitest";
import type { LogPage, WinchState } from "../../src/api/schemas/index.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { type ApiReply, startTestDevice, type TestDevice } from "./device-harness.js";

/*
 * The UI's polling discipline against a real device: with an unchanged state a 2 Hz poll with
 * If-None-Match costs bodiless 304s, and the first change brings a 200 with a new tag.
 */

const started: TestDevice[] = [];
afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
});

async function start(...args: Parameters<typeof startTestDevice>): Promise<TestDevice> {
  const d = await startTestDevice(...args);
  started.push(d);
  return d;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectNotModified(r: ApiReply, etag: string): void {
  expect(r.status, r.text).toBe(304);
  expect(r.text).toBe("");
  expect(r.headers.etag).toBe(etag);
  expect(r.headers["cache-control"]).toBe("no-cache");
}

/** Polls at 2 Hz with If-None-Match, `max` times or until `done` says stop; returns every reply. */
async function poll2Hz(
  device: TestDevice,
  path: string,
  etag: string,
  max: number,
  done: (r: ApiReply) => boolean = () => false,
) {
  const replies: ApiReply[] = [];
  for (let i = 0; i < max; i++) {
    if (i > 0) await sleep(500);
    const r = await device.call("GET", path, { headers: { "if-none-match": etag } });
    replies.push(r);
    if (done(r)) break;
  }
  return replies;
}

describe("GET /api/aircraft/live", () => {
  it("gives 304s to a 2 Hz poll while the aircraft stands still, and a 200 once its state changes", async () => {
    const aircraft = await start({ mode: "aircraft", espId: "E7A9C1" });
    await sleep(300); // first readings in
    const first = await aircraft.call("GET", "/api/aircraft/live");
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toBe("no-cache");
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^W\/"[\w-]+"$/);
    expect(first.json).toMatchObject({ flight_phase: "landed", is_landed: true, ias: 0, unit: "kmh" });

    const replies = await poll2Hz(aircraft, "/api/aircraft/live", etag, 6);
    expect(replies).toHaveLength(6);
    for (const r of replies) expectNotModified(r, etag);

    // The unit is part of what a viewer sees: changing it must not be hidden behind the old tag.
    const patch = await aircraft.call("PATCH", "/api/aircraft", {
      body: { unit: "kt", v_en: 27, v_min: 49, v_opt: 57, v_max: 70 },
    });
    expect(patch.status).toBe(200);
    const changed = await aircraft.call("GET", "/api/aircraft/live", { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect((changed.json as { unit: string }).unit).toBe("kt");
  }, 20_000);
});

describe("GET /api/winch", () => {
  it("tags change per decoded frame and per link-state change, and stay put in between", async () => {
    const medium = new SimMedium({ seed: 5, fading_sigma_db: 0 });
    const winch = await start({ mode: "winch", espId: "E7A9C2", medium, position: [300, 0, 0] });
    const quiet = await winch.call("GET", "/api/winch");
    expect(quiet.status).toBe(200);
    expect(quiet.json).toEqual({ telemetry: null, link: "no_signal", unpaired_heard: [], launch: null });
    const quietTag = String(quiet.headers.etag);
    for (const r of await poll2Hz(winch, "/api/winch", quietTag, 4)) expectNotModified(r, quietTag);

    // An aircraft takes off next to it: frames arrive, each with a new tag.
    const aircraft = await start({
      mode: "aircraft",
      espId: "E7A9C3",
      medium,
      position: [0, 0, 200],
      sensor: { kind: "sim", seed: 9, firstLaunchAfterS: 0, timeScale: 3, loop: true },
    });
    const arrivals = await poll2Hz(winch, "/api/winch", quietTag, 20, (r) => r.status === 200);
    const arrived = arrivals.at(-1) as ApiReply;
    expect(arrived.status).toBe(200);
    const live = arrived.json as WinchState;
    expect(live.link).toBe("ok");
    expect(live.telemetry).toMatchObject({ registration: "D-1234", type: "ASK 21" });
    await sleep(600);
    const next = await winch.call("GET", "/api/winch", {
      headers: { "if-none-match": String(arrived.headers.etag) },
    });
    expect(next.status).toBe(200);
    expect(next.headers.etag).not.toBe(arrived.headers.etag);
    expect((next.json as WinchState).telemetry?.received).toBeGreaterThan(live.telemetry?.received ?? 0);

    // The aircraft goes silent: one 200 for the link turning stale, then 304s while nothing changes.
    await aircraft.stop();
    started.splice(started.indexOf(aircraft), 1);
    const stale = await poll2Hz(
      winch,
      "/api/winch",
      String(next.headers.etag),
      20,
      (r) => (r.json as WinchState | undefined)?.link === "stale",
    );
    const staleReply = stale.at(-1) as ApiReply;
    expect((staleReply.json as WinchState).link).toBe("stale");
    const staleTag = String(staleReply.headers.etag);
    const again = await winch.call("GET", "/api/winch", { headers: { "if-none-match": staleTag } });
    expectNotModified(again, staleTag);
  }, 30_000);
});

describe("GET /api/log", () => {
  it("answers 304 while nothing is logged, pages with after, and reports dropped lines", async () => {
    const device = await start({ mode: "winch", espId: "E7A9C4" });
    const first = await device.call("GET", "/api/log?after=0");
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toBe("no-cache");
    const page = first.json as LogPage;
    expect(page.lines.length).toBeGreaterThan(0);
    expect(page.newest_seq).toBe(page.lines.at(-1)?.seq);
    const path = `/api/log?after=${page.newest_seq}`;
    const tail = await device.call("GET", path);
    expect(tail.json).toEqual({ lines: [], newest_seq: page.newest_seq, dropped: 0 });
    expectNotModified(
      await device.call("GET", path, { headers: { "if-none-match": String(tail.headers.etag) } }),
      String(tail.headers.etag),
    );

    // Something is logged: the same poll now brings exactly the new lines.
    expect((await device.call("PATCH", "/api/radio", { body: { tx_power_dbm: 12 } })).status).toBe(200);
    const fresh = await device.call("GET", path, { headers: { "if-none-match": String(tail.headers.etag) } });
    expect(fresh.status).toBe(200);
    const newer = fresh.json as LogPage;
    expect(newer.lines.map((l) => l.msg)).toContain("radio settings changed");
    expect(newer.lines.every((l) => l.seq > page.newest_seq)).toBe(true);

    // A client that fell behind the ring (200 lines) is told how many it missed.
    for (let i = 0; i < 210; i++)
      await device.call("PATCH", "/api/radio", { body: { tx_power_dbm: i % 2 === 0 ? 10 : 12 } });
    const behind = (await device.call("GET", "/api/log?after=1")).json as LogPage;
    expect(behind.dropped).toBeGreaterThan(0);
    expect(behind.lines[0]?.seq).toBe(1 + behind.dropped + 1);
  }, 30_000);
});
