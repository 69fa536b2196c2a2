import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import {
  answerIfNotModified,
  contentEtag,
  ifNoneMatchHits,
  liveEtag,
  logEtag,
  parseIfNoneMatch,
  winchEtag,
} from "../../src/api/conditional.js";
import { registerApiSchemas } from "../../src/api/openapi.js";
import { NOT_MODIFIED_RESPONSE } from "../../src/api/responses.js";
import { ref } from "../../src/api/schema-ref.js";
import {
  type AircraftLive,
  AircraftLive as AircraftLiveSchema,
  type WinchState,
} from "../../src/api/schemas/index.js";

const LIVE: AircraftLive = {
  ias: 98.41,
  unit: "kmh",
  flight_phase: "airborne",
  phase: "launch",
  is_landed: false,
  landing_hold_s: 0,
  sensor: { state: "ok", errors: 0, source: "sim" },
  climb_mps: null,
  baro: null,
  tx: { state: "sending", sent: 1234, blocked_duty: 0, errors: 0, duty_used_ppm: 2400 },
};

describe("If-None-Match parsing", () => {
  it.each([
    ['"a"', ['"a"']],
    ['W/"a", "b" ,W/"c"', ['"a"', '"b"', '"c"']],
    ['"with,comma", "x"', ['"with,comma"', '"x"']],
    ["abc, def", ['"abc"', '"def"']],
    ["  ", []],
    ['"a", "unterminated', ['"a"']],
    [",,,", []],
  ])("%j → %j", (header, tags) => {
    expect(parseIfNoneMatch(header)).toEqual(tags);
  });

  it("* matches anything; otherwise weak comparison against the list", () => {
    const tag = contentEtag(["x"]);
    const opaque = tag.slice(2);
    expect(ifNoneMatchHits("*", tag)).toBe(true);
    expect(ifNoneMatchHits(tag, tag)).toBe(true);
    expect(ifNoneMatchHits(opaque, tag)).toBe(true); // strong form of the same tag: weak comparison ignores W/
    expect(ifNoneMatchHits(`"nope", ${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits('"nope"', tag)).toBe(false);
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
    expect(ifNoneMatchHits("", tag)).toBe(false);
  });
});

describe("content ETags", () => {
  it("are weak, stable, and independent of key order", () => {
    const a = contentEtag({ x: 1, y: [1, 2], z: { p: "q", r: null } });
    expect(a).toMatch(/^W\/"[A-Za-z0-9_-]{22}"$/);
    expect(contentEtag({ z: { r: null, p: "q" }, y: [1, 2], x: 1 })).toBe(a);
    expect(contentEtag({ x: 1, y: [2, 1], z: { p: "q", r: null } })).not.toBe(a);
    expect(contentEtag({ x: 1, y: [1, 2], z: { p: "q", r: null }, w: undefined })).toBe(a);
    expect(contentEtag([1])).not.toBe(contentEtag(["1"]));
  });

  it("live: follows IAS at 0.1, phase, hold seconds and sensor health, not frame counters", () => {
    const tag = liveEtag(LIVE);
    expect(liveEtag({ ...LIVE, ias: 98.44 })).toBe(tag);
    expect(liveEtag({ ...LIVE, tx: { ...LIVE.tx, sent: 1300, duty_used_ppm: 2500 } })).toBe(tag);
    expect(liveEtag({ ...LIVE, ias: 98.5 })).not.toBe(tag);
    const hold = { ...LIVE, flight_phase: "landing_hold", landing_hold_s: 3 } as const;
    expect(liveEtag(hold)).not.toBe(tag);
    expect(liveEtag({ ...hold, landing_hold_s: 4 })).not.toBe(liveEtag(hold));
    expect(
      liveEtag({ ...LIVE, sensor: { ...LIVE.sensor, state: "stale", reason: "no reading for 2 s" } }),
    ).not.toBe(tag);
    expect(liveEtag({ ...LIVE, tx: { ...LIVE.tx, state: "duty_blocked" } })).not.toBe(tag);
    expect(liveEtag({ ...LIVE, unit: "kt" })).not.toBe(tag);
  });

  it("winch: changes per decoded frame and per link-state change, not with the frame's age", () => {
    const t = {
      registration: "D-1234",
      type: "ASK 21",
      unit: "kmh",
      v_min: 90,
      v_opt: 105,
      v_max: 130,
      ias: 101.2,
      zone: "inside",
      rssi_dbm: -87,
      snr_db: 7.5,
      age_ms: 120,
      verified: true,
      phase: "launch",
      seq: 4711,
      received: 4700,
      lost: 11,
    } as const;
    const s: WinchState = { telemetry: t, link: "ok", unpaired_heard: [] };
    const tag = winchEtag(s);
    expect(winchEtag({ ...s, telemetry: { ...t, age_ms: 900 } })).toBe(tag);
    expect(winchEtag({ ...s, telemetry: { ...t, seq: 4712, received: 4701 } })).not.toBe(tag);
    expect(winchEtag({ ...s, link: "stale" })).not.toBe(tag);
    expect(winchEtag({ telemetry: null, link: "no_signal", unpaired_heard: [] })).not.toBe(
      winchEtag({ telemetry: null, link: "ok", unpaired_heard: [] }),
    );
  });

  it("log: newest seq and the requested start", () => {
    const page = { lines: [], newest_seq: 7, dropped: 0 };
    expect(logEtag(page, 7)).toBe(logEtag({ ...page }, 7));
    expect(logEtag({ ...page, newest_seq: 8 }, 7)).not.toBe(logEtag(page, 7));
    expect(logEtag(page, 0)).not.toBe(logEtag(page, 7));
  });
});

describe("conditional GET over HTTP", () => {
  async function app() {
    const state = { live: { ...LIVE } };
    const f = Fastify();
    registerApiSchemas(f);
    f.get(
      "/api/aircraft/live",
      { schema: { response: { 200: ref(AircraftLiveSchema), ...NOT_MODIFIED_RESPONSE } } },
      async (request, reply) => {
        if (answerIfNotModified(request, reply, liveEtag(state.live))) return reply;
        return state.live;
      },
    );
    await f.ready();
    return { f, state };
  }

  it("200 with ETag and no-cache, then 304 without a body while nothing changes, 200 when it does", async () => {
    const { f, state } = await app();
    const first = await f.inject({ method: "GET", url: "/api/aircraft/live" });
    expect(first.statusCode).toBe(200);
    expect(first.headers["cache-control"]).toBe("no-cache");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\//);
    expect(first.json()).toEqual(LIVE);

    // A 2 Hz poller for five seconds with nothing changing sees only 304s.
    for (let i = 0; i < 10; i++) {
      state.live = { ...state.live, tx: { ...state.live.tx, sent: state.live.tx.sent + 5 } };
      const res = await f.inject({
        method: "GET",
        url: "/api/aircraft/live",
        headers: { "if-none-match": etag },
      });
      expect(res.statusCode).toBe(304);
      expect(res.body).toBe("");
      expect(res.headers.etag).toBe(etag);
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-length"] ?? "0").toBe("0");
    }
    for (const header of ["*", `"other", ${etag}`, etag.slice(2)])
      expect(
        (await f.inject({ method: "GET", url: "/api/aircraft/live", headers: { "if-none-match": header } }))
          .statusCode,
      ).toBe(304);
    expect(
      (await f.inject({ method: "HEAD", url: "/api/aircraft/live", headers: { "if-none-match": etag } }))
        .statusCode,
    ).toBe(304);
    expect(
      (await f.inject({ method: "GET", url: "/api/aircraft/live", headers: { "if-none-match": '"stale"' } }))
        .statusCode,
    ).toBe(200);

    state.live = { ...state.live, ias: 99.0 };
    const changed = await f.inject({
      method: "GET",
      url: "/api/aircraft/live",
      headers: { "if-none-match": etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json().ias).toBe(99);
    await f.close();
  });
});
