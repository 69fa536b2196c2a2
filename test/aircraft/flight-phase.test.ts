import { describe, expect, it } from "vitest";
import {
  type FlightPhase,
  FlightPhaseMachine,
  type FlightPhaseSettings,
  resolvePhaseSettings,
} from "../../src/aircraft/flight-phase.js";
import { type AircraftProfile, DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { mulberry32 } from "../../src/core/prng.js";
import { SettingsError } from "../../src/core/problems.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import type { IasSample } from "../../src/sensors/ias-source.js";
import { valueNoise } from "../../src/sensors/noise.js";
import { ReplayIasSource } from "../../src/sensors/replay-source.js";
import { SimIasSource } from "../../src/sensors/sim-source.js";

const P = DEFAULT_AIRCRAFT_PROFILE; // kmh, v_en 50 → landing threshold 37.5
const KMH = 1000 / 3600;
const HZ = 20;
const DT = 1000 / HZ;

/** [duration s, from km/h, to km/h]: a piecewise-linear airspeed trace. */
type Leg = [number, number, number];
type Noise = "none" | "white" | "gusty";

function synth(legs: Leg[], noise: Noise = "none", amplitudeKmh = 5, seed = 1): IasSample[] {
  const rnd = mulberry32(seed);
  const out: IasSample[] = [];
  let t = 0;
  for (const [s, from, to] of legs) {
    const n = Math.round((s * 1000) / DT);
    for (let i = 0; i < n; i++, t += DT) {
      const base = from + ((to - from) * i) / n;
      const e =
        noise === "white"
          ? (rnd() * 2 - 1) * amplitudeKmh
          : noise === "gusty"
            ? valueNoise(seed, 9, t, 500) * amplitudeKmh
            : 0;
      out.push({ t_ms: t, ias_mps: Math.max(0, base + e) * KMH });
    }
  }
  return out;
}

function run(samples: IasSample[], settings: FlightPhaseSettings = {}, profile: AircraftProfile = P) {
  const m = new FlightPhaseMachine(resolvePhaseSettings(profile, settings));
  const transitions: { from: FlightPhase; to: FlightPhase; t_ms: number }[] = [];
  for (const s of samples) {
    const u = m.update(s);
    if (u.transition)
      transitions.push({ from: u.transition.from, to: u.transition.to, t_ms: u.transition.t_ms });
  }
  return { m, transitions, path: transitions.map((t) => `${t.from}>${t.to}`) };
}

const LAUNCH = ["landed>airborne", "airborne>landing_hold", "landing_hold>landed"];
const FLIGHT: Leg[] = [
  [5, 0, 0],
  [4, 0, 100],
  [60, 100, 100],
  [12, 100, 0],
  [20, 0, 0],
];

describe("flight phase over synthetic traces", () => {
  it.each<[string, Leg[], Noise, string[]]>([
    ["a clean launch and landing", FLIGHT, "none", LAUNCH],
    ["the same with ±5 km/h white noise", FLIGHT, "white", LAUNCH],
    ["the same with ±5 km/h gusts", FLIGHT, "gusty", LAUNCH],
    ["a car tow at 30 km/h never leaves landed", [[60, 30, 30]], "white", []],
    ["hovering at v_en ±5 lifts off once and stays airborne", [[60, 50, 50]], "white", ["landed>airborne"]],
    ["hovering at v_en with gusts lifts off once", [[60, 50, 50]], "gusty", ["landed>airborne"]],
    [
      "hovering at the landing threshold ±5 holds once and lands",
      [
        [5, 100, 100],
        [2, 100, 37.5],
        [30, 37.5, 37.5],
      ],
      "white",
      LAUNCH,
    ],
    [
      "hovering at the landing threshold with gusts holds once and lands",
      [
        [5, 100, 100],
        [2, 100, 37.5],
        [30, 37.5, 37.5],
      ],
      "gusty",
      LAUNCH,
    ],
    [
      "a bounced landing goes back to airborne, then lands",
      [
        [5, 0, 100],
        [30, 100, 100],
        [5, 100, 30],
        [3, 30, 30],
        [3, 30, 80],
        [30, 80, 80],
        [10, 80, 0],
        [20, 0, 0],
      ],
      "none",
      [
        "landed>airborne",
        "airborne>landing_hold",
        "landing_hold>airborne",
        "airborne>landing_hold",
        "landing_hold>landed",
      ],
    ],
    [
      "a slow roll-out between the threshold and v_en still lands",
      [
        [5, 0, 100],
        [20, 100, 100],
        [5, 100, 30],
        [1, 30, 45],
        [20, 45, 45],
      ],
      "none",
      LAUNCH,
    ],
  ])("%s", (_name, legs, noise, expected) => {
    for (const seed of [1, 2, 3]) {
      expect(run(synth(legs, noise, 5, seed)).path).toEqual(expected);
    }
  });

  it("ignores single-sample spikes on the ground and dropouts in the air", () => {
    const samples = synth([[30, 0, 0]]).map((s, i) => (i % 60 === 30 ? { ...s, ias_mps: 80 * KMH } : s));
    expect(run(samples).path).toEqual([]);
    const flight = synth([
      [3, 0, 100],
      [30, 100, 100],
    ]).map((s, i) => (i > 100 && i % 40 === 0 ? { ...s, ias_mps: 0 } : s));
    expect(run(flight).path).toEqual(["landed>airborne"]);
  });

  it("without smoothing and debounce a single spike does count: they are what protects", () => {
    const samples = synth([[10, 0, 0]]).map((s, i) => (i === 100 ? { ...s, ias_mps: 80 * KMH } : s));
    expect(run(samples, { debounce_ms: 0, smoothing_ms: 0 }).path).toEqual([
      "landed>airborne",
      "airborne>landing_hold",
    ]);
    expect(run(samples, { debounce_ms: 0 }).path).toEqual([]);
    expect(run(samples, { smoothing_ms: 0 }).path).toEqual([]);
  });

  it("decides after the debounce, counts the hold in whole seconds from the first sample below, lands on time", () => {
    const m = new FlightPhaseMachine(
      resolvePhaseSettings(P, { debounce_ms: 400, landing_hold_time_s: 3, smoothing_ms: 0 }),
    );
    const feed = (t: number, kmh: number) => m.update({ t_ms: t, ias_mps: kmh * KMH });
    expect(feed(0, 55).transition).toBeNull();
    expect(feed(300, 55).phase).toBe("landed");
    expect(feed(400, 55).transition).toMatchObject({ from: "landed", to: "airborne", t_ms: 400 });
    expect(feed(10_000, 30).phase).toBe("airborne");
    const u = feed(10_400, 30);
    expect(u.transition).toMatchObject({ from: "airborne", to: "landing_hold", t_ms: 10_400 });
    expect(u.transition!.ias).toBeCloseTo(30, 9);
    expect(u.landing_hold_s).toBe(0);
    expect(feed(10_999, 30).landing_hold_s).toBe(0);
    expect(feed(11_000, 30).landing_hold_s).toBe(1);
    expect(feed(12_999, 20).landing_hold_s).toBe(2);
    expect(m.state()).toEqual({ phase: "landing_hold", landing_hold_s: 2 });
    const done = feed(13_000, 10);
    expect(done.transition).toMatchObject({ from: "landing_hold", to: "landed" });
    expect(done.landing_hold_s).toBe(0);
  });

  it("starts a fresh count after going back to airborne", () => {
    const m = new FlightPhaseMachine(resolvePhaseSettings(P, { debounce_ms: 0, smoothing_ms: 0 }));
    const feed = (t: number, kmh: number) => m.update({ t_ms: t, ias_mps: kmh * KMH });
    feed(0, 60);
    feed(1000, 20);
    expect(feed(6000, 20).landing_hold_s).toBe(5);
    expect(feed(6100, 60).phase).toBe("airborne");
    feed(7000, 20);
    expect(feed(8500, 20).landing_hold_s).toBe(1);
  });

  it("keeps the phase when reconfigured mid-flight", () => {
    const m = new FlightPhaseMachine(resolvePhaseSettings(P, { debounce_ms: 0, smoothing_ms: 0 }));
    m.update({ t_ms: 0, ias_mps: 60 * KMH });
    m.reconfigure(resolvePhaseSettings({ unit: "kt", v_en: 40 }, { debounce_ms: 0, smoothing_ms: 0 }));
    expect(m.state().phase).toBe("airborne");
    // 40 km/h is 21.6 kt: below the new threshold of 30 kt.
    expect(m.update({ t_ms: 100, ias_mps: 40 * KMH }).transition?.to).toBe("landing_hold");
  });

  it("logs every transition", () => {
    const { logger, ring } = createDeviceLogger({ destination: null });
    const m = new FlightPhaseMachine(resolvePhaseSettings(P), logger);
    for (const s of synth(FLIGHT)) m.update(s);
    const lines = ring.after(0).lines.filter((l) => l.tag === "aircraft");
    expect(lines.map((l) => l.msg.replace(/ at IAS.*/, ""))).toEqual([
      "flight phase landed → airborne",
      "flight phase airborne → landing_hold",
      "flight phase landing_hold → landed",
    ]);
    expect(lines[0]!.msg).toMatch(/at IAS \d+\.\d kmh$/);
  });

  it.each([
    [{ t_ms: Number.NaN, ias_mps: 10 }, /not a finite number/],
    [{ t_ms: 4000, ias_mps: -1 }, /not a non-negative number/],
    [{ t_ms: 4000, ias_mps: Number.POSITIVE_INFINITY }, /not a non-negative number/],
    [{ t_ms: 500, ias_mps: 10 }, /runs backwards/],
  ])("rejects the bad sample %o and changes nothing", (bad, message) => {
    const good = synth([[3, 60, 60]]); // airborne after 400 ms, last sample at 2950 ms
    const a = new FlightPhaseMachine(resolvePhaseSettings(P));
    const b = new FlightPhaseMachine(resolvePhaseSettings(P));
    for (const s of good) {
      a.update(s);
      b.update(s);
    }
    const before = a.state();
    expect(() => a.update(bad)).toThrow(RangeError);
    expect(() => a.update(bad)).toThrow(message);
    expect(a.state()).toEqual(before);
    // Both machines go on identically, as if the bad sample never came.
    for (const s of synth([[20, 10, 10]]).map((s) => ({ ...s, t_ms: s.t_ms + 3000 }))) {
      expect(a.update(s)).toEqual(b.update(s));
    }
    expect(a.state().phase).toBe("landed");
  });
});

describe("flight phase settings", () => {
  it("defaults: threshold 0.75·v_en, 10 s hold, 300 ms debounce, 500 ms smoothing", () => {
    expect(resolvePhaseSettings(P)).toEqual({
      unit: "kmh",
      v_en: 50,
      landing_threshold: 37.5,
      landing_hold_time_s: 10,
      debounce_ms: 300,
      smoothing_ms: 500,
    });
    expect(resolvePhaseSettings({ unit: "kt", v_en: 27 }).landing_threshold).toBe(20.3);
    expect(
      resolvePhaseSettings(P, { landing_threshold: 45, landing_hold_time_s: 600, debounce_ms: 0 }),
    ).toMatchObject({
      landing_threshold: 45,
      landing_hold_time_s: 600,
      debounce_ms: 0,
    });
  });

  it.each<[FlightPhaseSettings, string, RegExp]>([
    [{ landing_threshold: 50 }, "/landing_threshold", /must be below v_en \(50 kmh\), got 50/],
    [{ landing_threshold: 70 }, "/landing_threshold", /must be below v_en/],
    [{ landing_threshold: -5 }, "/landing_threshold", /above 0/],
    [{ landing_threshold: 0 }, "/landing_threshold", /above 0/],
    [{ landing_threshold: Number.NaN }, "/landing_threshold", /finite number/],
    [{ landing_hold_time_s: 0 }, "/landing_hold_time_s", /at least 1 and at most 600 \(got 0\)/],
    [{ landing_hold_time_s: 601 }, "/landing_hold_time_s", /at most 600/],
    [{ landing_hold_time_s: 2.5 }, "/landing_hold_time_s", /whole number/],
    [{ debounce_ms: -1 }, "/debounce_ms", /at least 0/],
    [{ debounce_ms: 6000 }, "/debounce_ms", /at most 5000/],
    [{ debounce_ms: "300" as unknown as number }, "/debounce_ms", /finite number \(got "300"\)/],
    [{ smoothing_ms: -1 }, "/smoothing_ms", /at least 0/],
    [{ smoothing_ms: 10_000 }, "/smoothing_ms", /at most 5000/],
  ])("rejects %o", (settings, field, message) => {
    try {
      resolvePhaseSettings(P, settings);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).problems).toEqual([{ field, message: expect.stringMatching(message) }]);
    }
  });

  it("lists every problem at once", () => {
    expect(() =>
      resolvePhaseSettings(P, { landing_threshold: 80, landing_hold_time_s: 0, debounce_ms: -3 }),
    ).toThrow(/^invalid flight phase settings: landing_threshold .*; landing_hold_time_s .*; debounce_ms /);
    expect(() => resolvePhaseSettings({ unit: "kmh", v_en: 0 })).toThrow(/v_en must be above 0/);
  });
});

describe("flight phase over simulated and recorded launches", () => {
  const KT: AircraftProfile = { ...P, unit: "kt", v_en: 30, v_min: 55, v_opt: 65, v_max: 75 };

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
    "sim seed %i: exactly landed → airborne → landing_hold → landed",
    (seed) => {
      const sim = new SimIasSource({ seed, loop: false });
      const samples: IasSample[] = [];
      for (let t = 0; t < 700_000; t += DT) samples.push({ t_ms: t, ias_mps: sim.stateAt(t).ias_mps });
      const { path, m } = run(samples);
      expect(path).toEqual(LAUNCH);
      expect(m.state().phase).toBe("landed");
    },
  );

  it("a looping sim repeats the same sequence launch after launch, also in knots", () => {
    for (const profile of [P, KT]) {
      const sim = new SimIasSource({ seed: 99, profile });
      const samples: IasSample[] = [];
      // Three whole launches, and 20 s into the ground pause before the fourth (its hold is done by then).
      let fourthAt: number | undefined;
      for (let t = 0; fourthAt === undefined || t < fourthAt + 20_000; t += DT) {
        const p = sim.stateAt(t);
        if (p.launch === 3) fourthAt ??= t;
        samples.push({ t_ms: t, ias_mps: p.ias_mps });
      }
      const { path } = run(samples, {}, profile);
      expect(path).toEqual([...LAUNCH, ...LAUNCH, ...LAUNCH]);
    }
  });

  it("the recorded launch (replayed at 10 Hz, read at 20 Hz) gives exactly the launch sequence", async () => {
    let clock = 0;
    const src = new ReplayIasSource({
      path: new URL("../sensors/fixtures/sim-launch-seed7.csv", import.meta.url).pathname,
      now: () => clock,
    });
    await src.start();
    const samples: IasSample[] = [];
    for (clock = 0; clock <= src.durationMs!; clock += DT) samples.push((await src.read())!);
    expect(run(samples).path).toEqual(LAUNCH);
  });
});
