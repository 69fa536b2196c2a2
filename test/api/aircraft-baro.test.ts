import { Value } from "typebox/value";
import { afterAll, describe, expect, it } from "vitest";
import { AircraftLive } from "../../src/api/schemas/aircraft-live.js";
import { startTestDevice, type TestDevice } from "./device-harness.js";

const started: TestDevice[] = [];
afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
});

async function live(d: TestDevice): Promise<AircraftLive> {
  const r = await d.call("GET", "/api/aircraft/live");
  expect(r.status).toBe(200);
  expect(Value.Check(AircraftLive, r.json), JSON.stringify(r.json)).toBe(true);
  return r.json as AircraftLive;
}

describe("GET /api/aircraft/live with a static-pressure sensor", () => {
  it("shows the simulated sensor's climb rate during the winch climb, and its health", async () => {
    const d = await startTestDevice({
      mode: "aircraft",
      espId: "BA0001",
      sensor: { kind: "sim", seed: 4, firstLaunchAfterS: 0, timeScale: 10, loop: false },
      baro: { kind: "sim", seed: 4 },
    });
    started.push(d);
    let best = Number.NEGATIVE_INFINITY;
    // The climb begins ~6 s of flight in (0.6 s at time x10) and lasts ~35 s (3.5 s): poll for 8 s at most.
    const until = Date.now() + 8000;
    let doc = await live(d);
    expect(doc.baro).toEqual({ state: "ok", errors: 0, source: "sim" });
    while (Date.now() < until && best < 8) {
      doc = await live(d);
      if (doc.phase === "launch" && doc.climb_mps !== null) best = Math.max(best, doc.climb_mps);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(best).toBeGreaterThan(7);
    expect(Number.isInteger(Math.round(best * 10))).toBe(true);
  });

  it("a BMP280 that is not there: its fault is shown, the climb rate is null, the airspeed carries on", async () => {
    const d = await startTestDevice({
      mode: "aircraft",
      espId: "BA0002",
      baro: { kind: "bmp280", bus: 250 },
    });
    started.push(d);
    const doc = await live(d);
    expect(doc.climb_mps).toBeNull();
    expect(doc.baro).toMatchObject({ state: "fault", source: "bmp280" });
    expect(doc.baro?.reason).toMatch(/did not start: .*(i2c-bus|I2C bus 250)/);
    expect(doc.sensor).toEqual({ state: "ok", errors: 0, source: "sim" });
  });

  it("without one, both fields are null", async () => {
    const d = await startTestDevice({ mode: "aircraft", espId: "BA0003" });
    started.push(d);
    const doc = await live(d);
    expect(doc).toMatchObject({ climb_mps: null, baro: null });
  });
});
