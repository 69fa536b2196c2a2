import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchHistory as HistoryBody } from "../../src/api/schemas/history.js";
import type { LaunchPhase } from "../../src/core/launch-phase.js";
import type { LaunchHistory, RecordInput } from "../../src/winch/history.js";
import { startTestDevice, type TestDevice } from "./device-harness.js";

/*
 * `GET /api/history` paging (`?limit=`, `?before=<id>`) on a real device (HTTPS, its validation, its
 * recorder, a winch hearing nothing else): launches are offered to the device's own recorder. Pages
 * newest first that chain by `page.next` without repeats or holes while launches keep arriving, an ETag
 * per page (an older page 304s while a launch records), the unpaged answer as before paging, and bad
 * values refused with the envelope and nothing changed.
 */

const BAND = { v_min: 90, v_opt: 105, v_max: 130 };

function point(t_ms: number, phase: LaunchPhase, ias: number, registration: string): RecordInput {
  return {
    t_ms,
    sender: "self",
    registration,
    type: "ASK 21",
    unit: "kmh",
    band: BAND,
    ias,
    zone: ias < BAND.v_min ? "below" : ias > BAND.v_max ? "above" : "inside",
    phase,
    rssi_dbm: null,
    snr_db: null,
    lost: 0,
    verified: true,
  };
}

let unit: TestDevice;
let h: LaunchHistory;
let t = 0;
let flown = 0;

/** One launch, ground roll to landing. */
function fly(): void {
  flown++;
  const reg = `D-${String(1000 + flown)}`;
  for (const [phase, ias] of [
    ["ground_roll", 20],
    ["launch", 100],
    ["launch", 110],
    ["released", 95],
    ["landed", 0],
  ] as const) {
    t += 200;
    h.record(point(t, phase, ias, reg));
  }
}

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}
async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await unit.call("GET", url, { headers });
  return { statusCode: r.status, headers: r.headers, body: r.text, json: () => r.json };
}
async function remove(id: string): Promise<number> {
  return (await unit.call("DELETE", `/api/history/${id}`)).status;
}

beforeAll(async () => {
  unit = await startTestDevice({ mode: "winch" });
  h = unit.device.runtime()!.history as LaunchHistory;
  for (let i = 0; i < 45; i++) fly();
  await h.flush();
});
afterAll(async () => {
  await unit?.stop();
});

describe("GET /api/history paging", () => {
  it("pages newest first, chained by page.next (and a Link header), every launch once", async () => {
    const all = (await get("/api/history")).json() as HistoryBody;
    expect(all.launches).toHaveLength(45);
    expect(all.page).toBeUndefined();
    const newestFirst = all.launches.map((l) => l.id).reverse();

    const seen: string[] = [];
    let url = "/api/history?limit=20";
    const sizes: number[] = [];
    for (let n = 0; n < 10; n++) {
      const r = await get(url);
      expect(r.statusCode).toBe(200);
      const body = r.json() as HistoryBody;
      sizes.push(body.launches.length);
      seen.push(...body.launches.map((l) => l.id));
      expect(body.page).toMatchObject({ limit: 20, total: 45 });
      if (body.page?.before === null) {
        expect(body).toHaveProperty("recording", null);
        expect(body.set_aside).toEqual([]);
      } else {
        // List-wide facts go with the first page only.
        expect(body).not.toHaveProperty("recording");
        expect(body).not.toHaveProperty("set_aside");
      }
      const next = body.page?.next;
      if (!next) {
        expect(r.headers.link).toBeUndefined();
        break;
      }
      expect(next).toBe(body.launches.at(-1)?.id);
      expect(r.headers.link).toBe(`</api/history?limit=20&before=${next}>; rel="next"`);
      url = `/api/history?limit=20&before=${next}`;
    }
    expect(sizes).toEqual([20, 20, 5]);
    expect(seen).toEqual(newestFirst);
  });

  it("defaults to 20 launches when only `before` is given; `limit` alone gives the first page", async () => {
    const first = (await get("/api/history?limit=3")).json() as HistoryBody;
    expect(first.launches).toHaveLength(3);
    expect(first.page?.before).toBeNull();
    const older = (await get(`/api/history?before=${first.page!.next}`)).json() as HistoryBody;
    expect(older.page).toMatchObject({ limit: 20, before: first.page!.next });
    expect(older.launches).toHaveLength(20);
    const whole = ((await get("/api/history")).json() as HistoryBody).launches.map((l) => l.id).reverse();
    expect(older.launches.map((l) => l.id)).toEqual(whole.slice(3, 23));
    const max = (await get("/api/history?limit=100")).json() as HistoryBody;
    expect(max.launches).toHaveLength(45);
    expect(max.page?.next).toBeNull();
  });

  it("an older page neither shifts nor changes its ETag while a launch records or a new one arrives", async () => {
    const first = await get("/api/history?limit=10");
    const cursor = (first.json() as HistoryBody).page!.next!;
    const olderUrl = `/api/history?limit=10&before=${cursor}`;
    const older = await get(olderUrl);
    const olderTag = older.headers.etag as string;
    expect(olderTag).toMatch(/^W\/"/);
    const wholeTag = (await get("/api/history")).headers.etag as string;

    // A launch in progress: a point recorded.
    t += 200;
    h.record(point(t, "ground_roll", 15, "D-9999"));
    await h.flush(); // the batch written: the recording's trace_points settle
    const whileRecording = await get("/api/history?limit=10", {
      "if-none-match": first.headers.etag as string,
    });
    expect(whileRecording.statusCode).toBe(200);
    expect((whileRecording.json() as HistoryBody).recording?.registration).toBe("D-9999");
    expect((await get("/api/history", { "if-none-match": wholeTag })).statusCode).toBe(200);
    const olderMeanwhile = await get(olderUrl, { "if-none-match": olderTag });
    expect(olderMeanwhile.statusCode).toBe(304);
    expect(olderMeanwhile.body).toBe("");

    // More points, still 304 for the older page; the page's own poll of the first page gets 304 too
    // when nothing changed between two polls.
    const firstTag = whileRecording.headers.etag as string;
    expect((await get("/api/history?limit=10", { "if-none-match": firstTag })).statusCode).toBe(304);
    t += 200;
    h.record(point(t, "launch", 100, "D-9999"));
    expect((await get(olderUrl, { "if-none-match": olderTag })).statusCode).toBe(304);

    // The launch ends: the first page changes, the older page keeps its launches (only `total` moves).
    for (const [phase, ias] of [
      ["released", 95],
      ["landed", 0],
    ] as const) {
      t += 200;
      h.record(point(t, phase, ias, "D-9999"));
    }
    await h.flush();
    const after = (await get(olderUrl)).json() as HistoryBody;
    expect(after.launches.map((l) => l.id)).toEqual((older.json() as HistoryBody).launches.map((l) => l.id));
    expect(after.page?.total).toBe((older.json() as HistoryBody).page!.total + 1);
    const newFirst = (await get("/api/history?limit=10")).json() as HistoryBody;
    expect(newFirst.launches[0]?.registration).toBe("D-9999");
    expect(newFirst.recording).toBeNull();
  });

  it("a page after a delete: the deleted launch is gone, an older cursor still works", async () => {
    const first = (await get("/api/history?limit=5")).json() as HistoryBody;
    const victim = first.launches[2]!.id;
    const cursor = first.page!.next!;
    const before = (await get(`/api/history?limit=5&before=${cursor}`)).json() as HistoryBody;
    expect(await remove(victim)).toBe(204);
    const again = (await get("/api/history?limit=5")).json() as HistoryBody;
    expect(again.launches.map((l) => l.id)).not.toContain(victim);
    expect(again.launches).toHaveLength(5);
    const older = (await get(`/api/history?limit=5&before=${cursor}`)).json() as HistoryBody;
    expect(older.launches).toEqual(before.launches);
    expect(older.page!.total).toBe(before.page!.total - 1);
  });

  it("bad values are a 400 envelope naming the parameter, and the history is unchanged", async () => {
    const whole = (await get("/api/history")).json() as HistoryBody;
    const known = whole.launches[0]!.id;
    const cases: [string, string][] = [
      ["limit=0", "/limit"],
      ["limit=-5", "/limit"],
      ["limit=101", "/limit"],
      ["limit=100000000000000000000", "/limit"],
      ["limit=abc", "/limit"],
      ["limit=2.5", "/limit"],
      ["limit=", "/limit"],
      ["before=nope", "/before"],
      [`before=${known}x`, "/before"],
      ["before=../../etc/passwd", "/before"],
      ["before=20250101T000000Z-ffff", "/before"], // well formed, never in this history
      ["limit=5&before=20991231T235959Z-abcd", "/before"],
      ["offset=20", ""],
    ];
    for (const [query, field] of cases) {
      const r = await get(`/api/history?${query}`);
      expect(r.statusCode, query).toBe(400);
      expect(r.headers["content-type"], query).toMatch(/^application\/json/);
      const body = r.json() as { error: string; message: string; details?: { field: string }[] };
      expect(body.error, query).toBe("validation_failed");
      expect(body.message, query).toMatch(/query string/);
      if (field)
        expect(
          body.details?.map((d) => d.field),
          query,
        ).toContain(field);
    }
    // A deleted cursor: refused, with words that say what to do.
    const victim = whole.launches[5]!.id;
    expect(await remove(victim)).toBe(204);
    const gone = await get(`/api/history?limit=5&before=${victim}`);
    expect(gone.statusCode).toBe(400);
    expect(gone.json()).toMatchObject({
      details: [{ field: "/before", message: expect.stringMatching(/first page/) }],
    });
    const afterAll = (await get("/api/history")).json() as HistoryBody;
    expect(afterAll.launches.map((l) => l.id)).toEqual(
      whole.launches.map((l) => l.id).filter((id) => id !== victim),
    );
  });

  it("the OpenAPI document declares both parameters and the page object", async () => {
    const doc = (await get("/api/openapi.json")).json() as {
      paths: Record<string, { get?: { parameters?: { name: string; in: string; schema: object }[] } }>;
    };
    const params = doc.paths["/api/history"]?.get?.parameters ?? [];
    expect(params.map((p) => [p.name, p.in])).toEqual([
      ["limit", "query"],
      ["before", "query"],
    ]);
    expect(params[0]!.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    const text = JSON.stringify(doc);
    expect(text).toContain("page.next");
  });
});

describe("GET /api/history paging on an aircraft unit (its own launches, the same route)", () => {
  it("pages and refuses bad values the same way", async () => {
    const aircraft = await startTestDevice({ mode: "aircraft" });
    try {
      const own = aircraft.device.runtime()!.history as LaunchHistory;
      for (let i = 0; i < 3; i++)
        for (const [phase, ias] of [
          ["ground_roll", 20],
          ["launch", 100],
          ["launch", 110],
          ["released", 95],
          ["landed", 0],
        ] as const) {
          t += 200;
          own.record(point(t, phase, ias, `D-${7000 + i}`));
        }
      await own.flush();
      const first = (await aircraft.call("GET", "/api/history?limit=2")).json as HistoryBody;
      expect(first.launches.map((l) => [l.registration, l.source])).toEqual([
        ["D-7002", "aircraft"],
        ["D-7001", "aircraft"],
      ]);
      expect(first.page).toMatchObject({ limit: 2, before: null, total: 3 });
      const rest = (await aircraft.call("GET", `/api/history?limit=2&before=${first.page!.next}`))
        .json as HistoryBody;
      expect(rest.launches.map((l) => l.registration)).toEqual(["D-7000"]);
      expect(rest.page?.next).toBeNull();
      const bad = await aircraft.call("GET", "/api/history?limit=0");
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: "validation_failed", details: [{ field: "/limit" }] });
    } finally {
      await aircraft.stop();
    }
  });
});
