import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ClimbRateEstimator } from "../../src/aircraft/climb-rate.js";
import { FlightPhaseMachine, resolvePhaseSettings } from "../../src/aircraft/flight-phase.js";
import {
  type LaunchPhase,
  LaunchPhaseTracker,
  resolveLaunchSettings,
} from "../../src/aircraft/launch-phase.js";
import { type AircraftProfile, DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { mulberry32 } from "../../src/core/prng.js";
import { SettingsError } from "../../src/core/problems.js";
import { mpsTo } from "../../src/core/units.js";
import { parseReplayCsv } from "../../src/sensors/replay-source.js";
import {
  SIM_SEGMENTS,
  type SimIasSource as Sim,
  SimIasSource,
  type SimSegment,
} from "../../src/sensors/sim-source.js";

const KMH = 3.6;

/** Walks simulated time in fixed steps and groups the truth by launch and stage. */
function survey(sim: Sim, untilMs: number, stepMs = 50) {
  const order: { launch: number; segment: SimSegment; startMs: number }[] = [];
  const speeds = new Map<string, number[]>();
  const maxAlt = new Map<number, number>();
  for (let t = 0; t <= untilMs; t += stepMs) {
    const p = sim.stateAt(t);
    const last = order[order.length - 1];
    if (!last || last.launch !== p.launch || last.segment !== p.segment) {
      order.push({ launch: p.launch, segment: p.segment, startMs: t });
    }
    const key = `${p.launch}:${p.segment}`;
    const list = speeds.get(key) ?? [];
    list.push(p.ias_mps * KMH);
    speeds.set(key, list);
    maxAlt.set(p.launch, Math.max(maxAlt.get(p.launch) ?? 0, p.altitude_m));
  }
  return { order, speeds, maxAlt };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SimIasSource", () => {
  it("flies a complete launch in the right order: ground roll, rotation, climb, release, glide, approach, landing, roll-out", () => {
    const sim = new SimIasSource({ seed: 7 });
    const { order, speeds, maxAlt } = survey(sim, 1_800_000);
    const launches = new Set(order.map((o) => o.launch));
    expect(launches.size).toBeGreaterThanOrEqual(3);
    for (const n of [0, 1, 2]) {
      expect(order.filter((o) => o.launch === n).map((o) => o.segment)).toEqual([...SIM_SEGMENTS]);
      // Release height from the plan: 300–450 m.
      expect(maxAlt.get(n)).toBeGreaterThanOrEqual(300);
      expect(maxAlt.get(n)).toBeLessThanOrEqual(450);
      const climb = speeds.get(`${n}:climb`)!;
      // Near v_opt (105 km/h) with turbulence, but inside a realistic launch band.
      expect(mean(climb)).toBeGreaterThan(100);
      expect(mean(climb)).toBeLessThan(110);
      expect(Math.min(...climb)).toBeGreaterThan(90);
      expect(Math.max(...climb)).toBeLessThan(120);
      // Turbulence is present: speeds vary by several km/h.
      expect(Math.max(...climb) - Math.min(...climb)).toBeGreaterThan(5);
      const glide = speeds.get(`${n}:glide`)!;
      expect(mean(glide)).toBeGreaterThan(85);
      expect(mean(glide)).toBeLessThan(95);
      // Nothing in the air gets anywhere near v_en.
      for (const s of ["climb", "release", "glide", "approach"]) {
        expect(Math.min(...speeds.get(`${n}:${s}`)!)).toBeGreaterThan(75);
      }
      const roll = speeds.get(`${n}:ground_roll`)!;
      expect(roll[0]).toBeLessThan(5); // first sample within 50 ms of brake release
      expect(Math.max(...roll)).toBeGreaterThan(55);
      const rollOut = speeds.get(`${n}:roll_out`)!;
      expect(rollOut[rollOut.length - 1]).toBeLessThan(2);
    }
    // Between launches the glider stands still.
    expect(Math.max(...speeds.get("1:ground")!)).toBe(0);
    // The ground roll is quick (a few seconds) and the climb lasts tens of seconds.
    const seg = (n: number, s: SimSegment) => order.findIndex((o) => o.launch === n && o.segment === s);
    const dur = (n: number, s: SimSegment) => order[seg(n, s) + 1]!.startMs - order[seg(n, s)]!.startMs;
    expect(dur(0, "ground_roll")).toBeGreaterThanOrEqual(2500);
    expect(dur(0, "ground_roll")).toBeLessThanOrEqual(3550);
    expect(dur(0, "climb")).toBeGreaterThan(25_000);
    expect(dur(0, "climb")).toBeLessThan(52_000);
    expect(dur(1, "ground")).toBeGreaterThanOrEqual(30_000);
  });

  it("is deterministic for a seed whatever the read pattern, and differs between seeds", async () => {
    let clockA = 0;
    let clockB = 0;
    const a = new SimIasSource({ seed: 42, now: () => clockA });
    const b = new SimIasSource({ seed: 42, now: () => clockB });
    await a.start();
    await b.start();
    const fromA = new Map<number, number>();
    for (clockA = 0; clockA <= 300_000; clockA += 50) fromA.set(clockA, (await a.read())!.ias_mps);
    // B reads at a different, irregular rate; where the times coincide the values must match exactly.
    let compared = 0;
    for (clockB = 0; clockB <= 300_000; clockB += 50 * (1 + (clockB % 7))) {
      const s = (await b.read())!;
      expect(s.t_ms).toBe(clockB);
      expect(s.ias_mps).toBe(fromA.get(clockB));
      compared++;
    }
    expect(compared).toBeGreaterThan(500);
    const c = new SimIasSource({ seed: 43 });
    let differ = 0;
    for (let t = 0; t <= 300_000; t += 1000) if (c.stateAt(t).ias_mps !== a.stateAt(t).ias_mps) differ++;
    expect(differ).toBeGreaterThan(200);
  });

  it("never uses Math.random", async () => {
    const spy = vi.spyOn(Math, "random");
    let clock = 0;
    const sim = new SimIasSource({ seed: 3, now: () => clock });
    await sim.start();
    for (clock = 0; clock < 600_000; clock += 100) await sim.read();
    expect(spy).not.toHaveBeenCalled();
  });

  it("compresses time by timeScale and reports simulated time", async () => {
    let clock = 1_000_000;
    const fast = new SimIasSource({ seed: 9, timeScale: 10, now: () => clock });
    await fast.start();
    clock += 4_000; // 4 real seconds = 40 simulated seconds: mid-climb
    const s = (await fast.read())!;
    expect(s.t_ms).toBe(40_000);
    expect(s.ias_mps).toBe(fast.stateAt(40_000).ias_mps);
    expect(fast.stateAt(40_000).segment).toBe("climb");
  });

  it("does one launch and then stays on the ground when loop is off", () => {
    const sim = new SimIasSource({ seed: 5, loop: false, firstLaunchAfterS: 0 });
    const { order } = survey(sim, 3_600_000, 200);
    expect(order.map((o) => o.segment)).toEqual([...SIM_SEGMENTS.slice(1), "ground"]);
    expect(new Set(order.map((o) => o.launch))).toEqual(new Set([0]));
    expect(sim.stateAt(3_600_000).ias_mps).toBe(0);
  });

  it("derives its speeds from the profile, in any unit", () => {
    const kt: AircraftProfile = {
      ...DEFAULT_AIRCRAFT_PROFILE,
      unit: "kt",
      v_en: 30,
      v_min: 55,
      v_opt: 65,
      v_max: 75,
    };
    const sim = new SimIasSource({ seed: 11, profile: kt });
    const climbKt: number[] = [];
    const glideKt: number[] = [];
    for (let t = 0; t < 400_000; t += 100) {
      const p = sim.stateAt(t);
      if (p.launch !== 0) break;
      if (p.segment === "climb") climbKt.push(mpsTo("kt", p.ias_mps));
      if (p.segment === "glide") glideKt.push(mpsTo("kt", p.ias_mps));
    }
    expect(mean(climbKt)).toBeGreaterThan(62);
    expect(mean(climbKt)).toBeLessThan(68);
    expect(mean(glideKt)).toBeGreaterThan(52);
    expect(mean(glideKt)).toBeLessThan(58);
  });

  it("applies a new profile from the next launch, never mid-flight", () => {
    const sim = new SimIasSource({ seed: 2 });
    const midClimb = 30_000;
    expect(sim.stateAt(midClimb).segment).toBe("climb");
    const before = sim.stateAt(midClimb).ias_mps;
    sim.setProfile({ ...DEFAULT_AIRCRAFT_PROFILE, v_min: 110, v_opt: 125, v_max: 140 });
    expect(sim.stateAt(midClimb).ias_mps).toBe(before);
    const nextClimb: number[] = [];
    for (let t = midClimb; nextClimb.length < 200; t += 100) {
      const p = sim.stateAt(t);
      if (p.launch === 1 && p.segment === "climb") nextClimb.push(p.ias_mps * KMH);
    }
    expect(mean(nextClimb)).toBeGreaterThan(118);
  });

  it("reports health and refuses reads before start", async () => {
    const sim = new SimIasSource();
    expect(sim.health()).toMatchObject({ state: "starting", source: "sim" });
    await expect(sim.read()).rejects.toThrow(/start\(\)/);
    await sim.start();
    expect(sim.health()).toEqual({ state: "ok", errors: 0, source: "sim" });
    await sim.close();
    expect(sim.health().state).toBe("starting");
  });

  it.each([
    [{ timeScale: 0 }, "/timeScale"],
    [{ timeScale: -2 }, "/timeScale"],
    [{ timeScale: Number.NaN }, "/timeScale"],
    [{ timeScale: 5000 }, "/timeScale"],
    [{ seed: 1.5 }, "/seed"],
    [{ seed: -1 }, "/seed"],
    [{ groundPauseS: -1 }, "/groundPauseS"],
    [{ flight: "aerotow" as never }, "/flight"],
    [{ firstLaunchAfterS: 99999 }, "/firstLaunchAfterS"],
    [{ profile: { ...DEFAULT_AIRCRAFT_PROFILE, v_en: 95 } }, "/profile"],
  ])("rejects %o naming %s", (opts, field) => {
    expect(() => new SimIasSource(opts)).toThrow(SettingsError);
    try {
      new SimIasSource(opts);
    } catch (err) {
      expect((err as SettingsError).problems[0]!.field).toBe(field);
      expect((err as SettingsError).message).toMatch(/^invalid sim source settings: /);
    }
  });

  it("rejects a bad profile change and keeps flying the old one", () => {
    const sim = new SimIasSource({ seed: 4 });
    const later = 1_200_000;
    const before = sim.stateAt(later).ias_mps;
    expect(() => sim.setProfile({ ...DEFAULT_AIRCRAFT_PROFILE, v_opt: 200 })).toThrow(
      /v_en < v_min <= v_opt <= v_max/,
    );
    expect(sim.stateAt(0).ias_mps).toBe(0);
    expect(sim.stateAt(later).ias_mps).toBe(before);
  });

  it("flies by default exactly the circuit it always flew (the seed 7 fixture, to its 0.1 km/h)", () => {
    const rows = parseReplayCsv(
      readFileSync(new URL("./fixtures/sim-launch-seed7.csv", import.meta.url), "utf8"),
    ).points;
    expect(rows.length).toBeGreaterThan(2000);
    for (const sim of [
      new SimIasSource({ seed: 7, loop: false }),
      new SimIasSource({ seed: 7, loop: false, flight: "circuit" }),
    ]) {
      expect(sim.flight).toBe("circuit");
      const off = rows.filter(
        (r) => (sim.stateAt(r.t_ms).ias_mps * KMH).toFixed(1) !== (r.ias_mps * KMH).toFixed(1),
      );
      expect(off).toEqual([]);
    }
  });
});

/** Per launch: start, when each stage begins, release height, and the steepest climb and sink between 1 s steps. */
function flights(sim: Sim, launches: number) {
  const out: {
    start: number;
    stages: Map<SimSegment, number>;
    top: number;
    maxSink: number;
    endAlt: number;
  }[] = [];
  let prevAlt = 0;
  for (let t = 0; out.length <= launches; t += 50) {
    const p = sim.stateAt(t);
    if (p.launch >= out.length) {
      if (p.launch > launches - 1) break;
      out.push({ start: t, stages: new Map(), top: 0, maxSink: 0, endAlt: Number.NaN });
    }
    const f = out[p.launch]!;
    if (!f.stages.has(p.segment)) f.stages.set(p.segment, t);
    f.top = Math.max(f.top, p.altitude_m);
    if (t % 1000 === 0) {
      f.maxSink = Math.max(f.maxSink, prevAlt - p.altitude_m);
      prevAlt = p.altitude_m;
    }
    if (p.segment === "landing") f.endAlt = p.altitude_m;
  }
  return out;
}

describe("SimIasSource, short flights (a trainer's launch after launch; tests that need the cable)", () => {
  it("keeps every stage in order, is a plausible flight, and comes round in about 2 minutes, not 5", () => {
    for (const seed of [1, 7, 42]) {
      const short = flights(new SimIasSource({ seed, flight: "short" }), 4);
      const circuit = flights(new SimIasSource({ seed }), 2);
      const { order } = survey(new SimIasSource({ seed, flight: "short" }), 400_000);
      for (const n of [0, 1, 2]) {
        expect(order.filter((o) => o.launch === n).map((o) => o.segment)).toEqual([...SIM_SEGMENTS]);
      }
      for (const f of short.slice(0, 3)) {
        // A short cable: released at 150–220 m, on the cable (roll, rotation, climb) 20–30 s.
        expect(f.top).toBeGreaterThanOrEqual(150);
        expect(f.top).toBeLessThanOrEqual(220);
        const onCable = f.stages.get("release")! - f.stages.get("ground_roll")!;
        expect(onCable).toBeGreaterThan(19_000);
        expect(onCable).toBeLessThan(30_000);
        // Down with airbrakes, never faster than an ASK 21 sinks with them (5 m/s), on the ground to land.
        expect(f.maxSink).toBeLessThanOrEqual(5.05);
        expect(f.endAlt).toBe(0);
      }
      const cycle = (fs: typeof short) => fs[1]!.start - fs[0]!.start;
      const between = (fs: typeof short, n: number) => fs[n + 1]!.start - fs[n]!.start;
      // 92–126 s from one brake release to the next over 40 seeds (a circuit: 224–386 s, mean 303 s).
      expect(between(short, 1)).toBeLessThan(130_000);
      expect(between(short, 2)).toBeLessThan(130_000);
      expect(cycle(circuit)).toBeGreaterThan(240_000);
      expect(between(short, 1)).toBeLessThan(cycle(circuit) / 2);
    }
  });

  it("flies the same speeds near the band as a circuit: climb near v_opt, the circuit near v_min", () => {
    const { speeds } = survey(new SimIasSource({ seed: 7, flight: "short" }), 300_000);
    for (const n of [0, 1]) {
      const climb = speeds.get(`${n}:climb`)!;
      expect(mean(climb)).toBeGreaterThan(100);
      expect(mean(climb)).toBeLessThan(110);
      expect(mean(speeds.get(`${n}:glide`)!)).toBeGreaterThan(85);
      expect(mean(speeds.get(`${n}:glide`)!)).toBeLessThan(95);
      for (const s of ["climb", "release", "glide", "approach"]) {
        expect(Math.min(...speeds.get(`${n}:${s}`)!)).toBeGreaterThan(75);
      }
      expect(Math.max(...speeds.get(`${n + 1}:ground`)!)).toBe(0);
    }
  });

  /** The aircraft unit's phases over a trace at 20 Hz, and the release it decided against the truth. */
  function phases(sim: Sim, untilMs: number, opts: { noise?: number; climb?: boolean } = {}) {
    const profile = { ...DEFAULT_AIRCRAFT_PROFILE };
    const flight = new FlightPhaseMachine(resolvePhaseSettings(profile));
    const launch = new LaunchPhaseTracker(resolveLaunchSettings(profile));
    const vario = new ClimbRateEstimator();
    const rnd = mulberry32(sim.seed);
    const path: LaunchPhase[] = [];
    const releases: { decided: number; truth: number }[] = [];
    let truth = Number.NaN;
    let prev = "";
    for (let t = 0; t < untilMs; t += 50) {
      const p = sim.stateAt(t);
      if (prev === "climb" && p.segment === "release") truth = t;
      prev = p.segment;
      const ias = Math.max(0, p.ias_mps + ((opts.noise ?? 0) * (rnd() - 0.5) * Math.sqrt(12)) / KMH);
      const f = flight.update({ t_ms: t, ias_mps: ias });
      const climb = opts.climb ? vario.update(t, p.altitude_m + 0.15 * (rnd() - 0.5)) : null;
      const u = launch.update({ t_ms: t, ias: ias * KMH, flight_phase: f.phase, climb_mps: climb });
      if (u.phase !== path.at(-1)) path.push(u.phase);
      if (u.release) releases.push({ decided: u.release.decided_t_ms, truth });
    }
    return { path, releases };
  }

  const LAUNCH: LaunchPhase[] = ["ground_roll", "launch", "released", "landing_hold", "landed"];

  it.each([
    ["IAS only", {}],
    ["IAS with 3 km/h noise", { noise: 3 }],
    ["with a climb rate", { climb: true }],
  ])(
    "the aircraft unit sees each short flight as ground roll → launch → released → landing hold → landed (%s)",
    (_name, opts) => {
      for (const seed of [1, 7, 42]) {
        const sim = new SimIasSource({ seed, flight: "short" });
        // Three whole flights, up to the fourth's brake release (the third's hold ends in the pause).
        const fourth = flights(sim, 4)[3]!.stages.get("ground_roll")!;
        const { path, releases } = phases(sim, fourth, opts);
        expect(path).toEqual(["landed", ...LAUNCH, ...LAUNCH, ...LAUNCH]);
        expect(releases).toHaveLength(3);
        for (const r of releases) {
          // Never before the cable comes off, and within the bench's measured spread after it (p95 < 4 s).
          expect(r.decided).toBeGreaterThanOrEqual(r.truth);
          expect(r.decided - r.truth).toBeLessThan(5_000);
        }
      }
    },
  );
});
