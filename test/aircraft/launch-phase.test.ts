import { describe, expect, it } from "vitest";
import { FlightPhaseMachine, resolvePhaseSettings } from "../../src/aircraft/flight-phase.js";
import {
  type LaunchPhase,
  LaunchPhaseTracker,
  resolveLaunchSettings,
} from "../../src/aircraft/launch-phase.js";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { SettingsError } from "../../src/core/problems.js";

const P = { ...DEFAULT_AIRCRAFT_PROFILE, unit: "kmh" as const, v_en: 50, v_min: 90, v_opt: 105, v_max: 130 };

/** Runs a piecewise-linear IAS profile (km/h) through both machines at 20 Hz; climb from `climb(t)`. */
function fly(points: [number, number][], climb?: (t: number) => number | null) {
  const flight = new FlightPhaseMachine(resolvePhaseSettings(P));
  const launch = new LaunchPhaseTracker(resolveLaunchSettings(P));
  const seen: LaunchPhase[] = [];
  const releases: number[] = [];
  const end = points[points.length - 1]![0];
  for (let t = 0; t <= end; t += 50) {
    let j = 0;
    while (j < points.length - 2 && points[j + 1]![0] <= t) j++;
    const [ta, va] = points[j]!;
    const [tb, vb] = points[j + 1]!;
    const ias = va + (vb - va) * Math.min(1, (t - ta) / (tb - ta));
    const f = flight.update({ t_ms: t, ias_mps: ias / 3.6 });
    const u = launch.update({ t_ms: t, ias, flight_phase: f.phase, climb_mps: climb?.(t) ?? null });
    if (seen.at(-1) !== u.phase) seen.push(u.phase);
    if (u.release) releases.push(u.release.t_ms);
  }
  return { seen, releases, launch };
}

// Ground roll 0–3 s, rotation to 105 by 6 s, climb to 40 s, push-over to 90 by 43 s, circuit, landing.
const LAUNCH: [number, number][] = [
  [0, 0],
  [1000, 0],
  [4000, 62],
  [7000, 105],
  [40_000, 105],
  [43_000, 90],
  [120_000, 90],
  [125_000, 60],
  [127_000, 30],
  [140_000, 0],
  [160_000, 0],
];

describe("launch phases", () => {
  it("goes ground roll → launch → released → landing hold → landed, released shortly after the push-over", () => {
    const r = fly(LAUNCH);
    expect(r.seen).toEqual(["landed", "ground_roll", "launch", "released", "landing_hold", "landed"]);
    expect(r.releases).toHaveLength(1);
    expect(r.releases[0]).toBeGreaterThan(40_000);
    expect(r.releases[0]).toBeLessThan(43_000);
  });

  it("an aborted ground roll (the cable breaks at 35 km/h) goes back to landed, no launch", () => {
    const r = fly([
      [0, 0],
      [1000, 0],
      [3500, 35],
      [6000, 5],
      [25_000, 0],
    ]);
    expect(r.seen).toEqual(["landed", "ground_roll", "landed"]);
  });

  it("a cable break low (IAS falls to a landing on the field) goes from launch straight to the landing hold", () => {
    const r = fly([
      [0, 0],
      [1000, 0],
      [4000, 62],
      [6000, 80],
      [7000, 40],
      [9000, 10],
      [30_000, 0],
    ]);
    expect(r.seen).toEqual(["landed", "ground_roll", "launch", "landing_hold", "landed"]);
    expect(r.releases).toEqual([]);
  });

  it("a speed sag mid-climb is a release on IAS alone, but not with a climb rate", () => {
    const sag: [number, number][] = [
      [0, 0],
      [1000, 0],
      [4000, 62],
      [7000, 105],
      [20_000, 105],
      [21_000, 80],
      [24_000, 80],
      [25_000, 105],
      [40_000, 105],
      [43_000, 90],
      [80_000, 90],
    ];
    expect(fly(sag).releases[0]).toBeLessThan(26_000);
    const climb = (t: number) => (t < 7000 ? 2 : t < 40_500 ? 10 : -1.5);
    const r = fly(sag, climb);
    expect(r.releases).toHaveLength(1);
    expect(r.releases[0]).toBeGreaterThan(40_000);
    expect(r.releases[0]).toBeLessThan(42_000);
  });

  it("new thresholds mid-launch (profile saved) keep the phase", () => {
    const launch = new LaunchPhaseTracker(resolveLaunchSettings(P));
    const flight = new FlightPhaseMachine(resolvePhaseSettings(P));
    for (let t = 0; t <= 10_000; t += 50) {
      const ias = Math.min(100, t / 50);
      launch.update({ t_ms: t, ias, flight_phase: flight.update({ t_ms: t, ias_mps: ias / 3.6 }).phase });
    }
    expect(launch.phase).toBe("launch");
    launch.reconfigure(resolveLaunchSettings({ ...P, v_min: 95 }));
    expect(launch.phase).toBe("launch");
  });

  it("refuses settings that cannot work, naming each", () => {
    expect(() => resolveLaunchSettings(P, { roll_threshold: 60, release_hold_ms: 5 })).toThrow(SettingsError);
    try {
      resolveLaunchSettings(P, { roll_threshold: 60, release_hold_ms: 5 });
      expect.unreachable("must throw");
    } catch (err) {
      expect((err as Error).message).toMatch(/roll_threshold/);
      expect((err as Error).message).toMatch(/release_hold_ms/);
    }
  });
});
