import { describe, expect, it } from "vitest";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { SettingsError } from "../../src/core/problems.js";
import { createIasSource, type IasSourceSettings } from "../../src/sensors/create-source.js";
import { Ms4525IasSource } from "../../src/sensors/ms4525do.js";
import { ReplayIasSource } from "../../src/sensors/replay-source.js";
import { SimIasSource } from "../../src/sensors/sim-source.js";
import { countsForPa, FakeMs4525Bus } from "./fake-ms4525-bus.js";

const FIXTURE = new URL("./fixtures/sim-launch-seed7.csv", import.meta.url).pathname;
const profile = DEFAULT_AIRCRAFT_PROFILE;

describe("createIasSource", () => {
  it("builds a sim that follows the profile and the clock it is given", async () => {
    let clock = 0;
    const src = createIasSource({ kind: "sim", seed: 7, timeScale: 10 }, { profile, now: () => clock });
    expect(src).toBeInstanceOf(SimIasSource);
    expect((src as SimIasSource).timeScale).toBe(10);
    await src.start();
    clock = 3000;
    expect((await src.read())!.t_ms).toBe(30_000);
  });

  it("builds an MS4525DO with the given bus opener", async () => {
    const bus = new FakeMs4525Bus(() => ({ pressureCounts: countsForPa(0) }));
    const src = createIasSource(
      { kind: "ms4525do", address: 0x46, calibrationSamples: 2, calibrationIntervalMs: 0 },
      { profile, openBus: async () => bus },
    );
    expect(src).toBeInstanceOf(Ms4525IasSource);
    await src.start();
    expect(await src.read()).not.toBeNull();
    expect(bus.calls[0]!.address).toBe(0x46);
  });

  it("builds a replay of a file", async () => {
    const src = createIasSource({ kind: "replay", path: FIXTURE, loop: true }, { profile });
    expect(src).toBeInstanceOf(ReplayIasSource);
    await src.start();
    expect(src.health().state).toBe("ok");
  });

  it.each([
    [{ kind: "pitot" }, "/kind", /kind must be one of sim, ms4525do, replay \(got "pitot"\)/],
    [{}, "/kind", /got nothing/],
    [{ kind: "sim", speed: 3 }, "/speed", /speed is not a setting of the sim source/],
    [{ kind: "replay", path: "x.csv", address: 0x28 }, "/address", /not a setting of the replay source/],
    [{ kind: "sim", timeScale: -1 }, "/timeScale", /timeScale must be above 0/],
    [{ kind: "ms4525do", address: 0x10 }, "/address", /address must be one of 0x28, 0x36, 0x46/],
    [{ kind: "replay" }, "/path", /exactly one of path or text/],
  ])("rejects %o (%s)", (settings, field, message) => {
    let caught: unknown;
    try {
      createIasSource(settings as unknown as IasSourceSettings, { profile });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SettingsError);
    expect((caught as SettingsError).problems.map((p) => p.field)).toContain(field);
    expect((caught as Error).message).toMatch(message);
  });

  it("rejects settings that are not an object", () => {
    expect(() => createIasSource(null as unknown as IasSourceSettings, { profile })).toThrow(
      /must be an object/,
    );
  });
});
