// Release detection error: when the aircraft unit's launch-phase tracker decides "released" against
// the simulator's truth (the instant the climb segment ends), on simulated launches, on the replayed
// trace in test/sensors/fixtures, and on noisy variants of both; IAS-only and with a climb rate, both in
// one run. The climb rate goes the device's way: the simulated BMP280 (src/sensors/bmp280-sim.ts: ISA
// pressure of the sim's altitude, the chip's filter lag, seeded noise) → pressure altitude → the
// variometer filter, through BaroClimbSource as the aircraft runs it. Baseline in the same run: the naive
// rule "raw IAS below v_min for 1 s", what a display without phases would do.
// Usage: node dist/bench/release-detection.js [--launches 40]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BaroClimbSource } from "../src/aircraft/baro-climb.js";
import { FlightPhaseMachine, resolvePhaseSettings } from "../src/aircraft/flight-phase.js";
import { LaunchPhaseTracker, resolveLaunchSettings } from "../src/aircraft/launch-phase.js";
import { mulberry32 } from "../src/core/prng.js";
import { mpsTo } from "../src/core/units.js";
import { DEFAULT_SIM_BARO_NOISE_PA, SimPressureSource } from "../src/sensors/bmp280-sim.js";
import type { PressureSource } from "../src/sensors/pressure-source.js";
import { parseReplayCsv } from "../src/sensors/replay-source.js";
import { DEFAULT_SIM_SPEEDS, SimIasSource } from "../src/sensors/sim-source.js";
import { machineLine, printTable } from "./lib/table.js";

const { values: args } = parseArgs({ options: { launches: { type: "string", default: "40" } } });
const LAUNCHES = Number(args.launches);
if (!Number.isInteger(LAUNCHES) || LAUNCHES < 1 || LAUNCHES > 1000) {
  console.error("release-detection: --launches must be an integer 1..1000");
  process.exit(2);
}

const PROFILE = { ...DEFAULT_SIM_SPEEDS, registration: "D-1234", type: "ASK 21" };
const HZ = 20;

interface Trace {
  t: number[];
  ias: number[]; // km/h
  /** Static pressure (Pa) of the simulated sensor at each sample; null: none (no sensor, or it failed). */
  pa: (number | null)[];
  release_ms: number;
}

/** The simulated BMP280 flying the sim's flight of `seed`, with `noisePa` RMS. */
function simBaro(seed: number, noisePa: number): SimPressureSource {
  const sim = new SimIasSource({ seed, loop: false, firstLaunchAfterS: 3 });
  return new SimPressureSource({ altitudeAt: (ms) => sim.stateAt(ms).altitude_m, seed, noisePa });
}

/** One simulated launch (seed), 20 Hz, with its true release time. */
function simTrace(seed: number, noisePa = DEFAULT_SIM_BARO_NOISE_PA): Trace {
  const sim = new SimIasSource({ seed, loop: false, firstLaunchAfterS: 3 });
  const baro = simBaro(seed, noisePa);
  const tr: Trace = { t: [], ias: [], pa: [], release_ms: Number.NaN };
  let prev = "";
  for (let t = 0; t < 400_000; t += 1000 / HZ) {
    const p = sim.stateAt(t);
    if (prev === "climb" && p.segment === "release") tr.release_ms = t;
    if (prev !== "" && prev !== "ground" && p.segment === "ground") break;
    prev = p.segment;
    tr.t.push(t);
    tr.ias.push(mpsTo("kmh", p.ias_mps));
    tr.pa.push(baro.pressureAt(t));
  }
  return tr;
}

/** The fixture replayed at 20 Hz (linear interpolation as the replay source does); truth from the sim. */
function replayTrace(): Trace {
  const text = readFileSync(
    new URL("../../test/sensors/fixtures/sim-launch-seed7.csv", import.meta.url),
    "utf8",
  );
  const pts = parseReplayCsv(text).points;
  const truth = simTrace(7);
  // The fixture is the sim's seed-7 flight: the simulated sensor flies the same flight beside it.
  const baro = simBaro(7, DEFAULT_SIM_BARO_NOISE_PA);
  const tr: Trace = { t: [], ias: [], pa: [], release_ms: truth.release_ms };
  let j = 0;
  const last = pts[pts.length - 1]!.t_ms;
  for (let t = 0; t <= last; t += 1000 / HZ) {
    while (j < pts.length - 2 && pts[j + 1]!.t_ms <= t) j++;
    const a = pts[j]!;
    const b = pts[j + 1]!;
    const u = Math.min(1, Math.max(0, (t - a.t_ms) / (b.t_ms - a.t_ms)));
    tr.t.push(t);
    tr.ias.push(mpsTo("kmh", a.ias_mps + (b.ias_mps - a.ias_mps) * u));
    tr.pa.push(baro.pressureAt(t));
  }
  return tr;
}

/** Gaussian noise (km/h), spikes and dropped samples (a dropped sample loses its pressure too). */
function noisy(tr: Trace, seed: number, sigma: number, spikes: number, drop: number): Trace {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const out: Trace = { t: [], ias: [], pa: [], release_ms: tr.release_ms };
  for (let i = 0; i < tr.t.length; i++) {
    if (rnd() < drop) continue;
    let v = tr.ias[i]! + sigma * gauss();
    if (rnd() < spikes) v += (rnd() < 0.5 ? -1 : 1) * 30;
    out.t.push(tr.t[i]!);
    out.ias.push(Math.max(0, v));
    out.pa.push(tr.pa[i] ?? null);
  }
  return out;
}

/** The static-pressure sensor fails `beforeMs` before the true release and stays failed. */
function baroLost(tr: Trace, beforeMs: number): Trace {
  return { ...tr, pa: tr.pa.map((p, i) => (tr.t[i]! >= tr.release_ms - beforeMs ? null : p)) };
}

/** The trace's pressures as a sensor, read at the sample times; a null is a failed reading. */
function replayedSensor(tr: Trace): PressureSource {
  const at = new Map(tr.t.map((t, i) => [t, tr.pa[i] ?? null]));
  return {
    kind: "bench",
    start: async () => {},
    read: async (t) => {
      const pa = at.get(t) ?? null;
      return pa === null ? null : { t_ms: t, pressure_pa: pa };
    },
    health: () => ({ state: "ok", errors: 0, source: "bench" }),
    close: async () => {},
  };
}

type Found = { decided: number; reported: number; early: boolean; by: "ias" | "climb" } | null;

/** Decided and reported release times (ms after truth), or null when none was found in the flight. */
async function detect(tr: Trace, useClimb: boolean): Promise<Found> {
  const flight = new FlightPhaseMachine(resolvePhaseSettings(PROFILE));
  const launch = new LaunchPhaseTracker(resolveLaunchSettings(PROFILE));
  let clock = 0;
  // As the aircraft runs it, on the trace's clock (its back-off after a failed read included).
  const baro = new BaroClimbSource({ source: replayedSensor(tr), now: () => clock });
  await baro.start();
  for (let i = 0; i < tr.t.length; i++) {
    const t = tr.t[i]!;
    clock = t;
    const f = flight.update({ t_ms: t, ias_mps: tr.ias[i]! / 3.6 });
    const climb = useClimb ? await baro.climb(t) : null;
    const u = launch.update({ t_ms: t, ias: tr.ias[i]!, flight_phase: f.phase, climb_mps: climb });
    if (u.release) {
      return {
        decided: u.release.decided_t_ms - tr.release_ms,
        reported: u.release.t_ms - tr.release_ms,
        early: u.release.decided_t_ms < tr.release_ms,
        by: u.release.by,
      };
    }
  }
  return null;
}

function naive(tr: Trace): Found {
  let since: number | undefined;
  let flying = false;
  for (let i = 0; i < tr.t.length; i++) {
    const t = tr.t[i]!;
    const v = tr.ias[i]!;
    if (v >= PROFILE.v_opt) flying = true;
    if (!flying) continue;
    if (v < PROFILE.v_min) since ??= t;
    else since = undefined;
    if (since !== undefined && t - since >= 1000) {
      return {
        decided: t - tr.release_ms,
        reported: since - tr.release_ms,
        early: t < tr.release_ms,
        by: "ias",
      };
    }
  }
  return null;
}

/** The winch driver lets the speed sag 15 km/h for 3 s mid-climb (a correction), then recovers. */
function sag(tr: Trace): Trace {
  const climbStart = tr.release_ms - 25_000;
  const ias = tr.ias.map((v, i) => {
    const t = tr.t[i]!;
    return t >= climbStart && t < climbStart + 3000
      ? v - 15 * Math.sin((Math.PI * (t - climbStart)) / 3000)
      : v;
  });
  return { ...tr, ias };
}

type Detector = (tr: Trace) => Found | Promise<Found>;
async function summarise(name: string, traces: Trace[], d: Detector): Promise<(string | number)[]> {
  const r: Found[] = [];
  for (const tr of traces) r.push(await d(tr));
  const found = r.filter((x): x is NonNullable<typeof x> => x !== null);
  const dec = found.map((x) => x.decided / 1000).sort((a, b) => a - b);
  const rep = found.map((x) => Math.abs(x.reported) / 1000).sort((a, b) => a - b);
  const q = (a: number[], p: number) =>
    a.length ? a[Math.min(a.length - 1, Math.floor(p * a.length))]! : Number.NaN;
  const f = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(2));
  return [
    name,
    traces.length,
    traces.length - found.length,
    found.filter((x) => x.early).length,
    f(q(dec, 0.5)),
    f(q(dec, 0.95)),
    f(dec[dec.length - 1] ?? Number.NaN),
    f(q(rep, 0.5)),
    f(q(rep, 0.95)),
    found.filter((x) => x.by === "climb").length,
  ];
}

console.log(`release detection — ${machineLine()}`);
const sims = Array.from({ length: LAUNCHES }, (_, i) => simTrace(i + 1));
const replay = [replayTrace()];
const variants: [string, Trace[], boolean][] = [
  ["simulator (sim BMP280 1.5 Pa ≈ 0.12 m RMS)", sims, true],
  [
    "sim, BMP280 at its datasheet noise (0.5 Pa ≈ 4 cm)",
    Array.from({ length: LAUNCHES }, (_, i) => simTrace(i + 1, 0.5)),
    true,
  ],
  [
    "sim, static pressure noise 6 Pa (≈ 0.5 m)",
    Array.from({ length: LAUNCHES }, (_, i) => simTrace(i + 1, 6)),
    true,
  ],
  ["sim + noise σ 2 km/h, 10 % samples lost", sims.map((t, i) => noisy(t, 100 + i, 2, 0, 0.1)), true],
  ["sim + noise σ 5 km/h, 1 % ±30 km/h spikes", sims.map((t, i) => noisy(t, 200 + i, 5, 0.01, 0)), true],
  ["sim, speed sagging 15 km/h mid-climb", sims.map(sag), true],
  [
    "sim, sag + static-pressure sensor lost 15 s before release",
    sims.map((t) => baroLost(sag(t), 15_000)),
    true,
  ],
  ["replayed fixture (seed 7, 10 Hz CSV) + sim BMP280", replay, true],
  [
    "replayed + noise σ 3 km/h, 20 % lost",
    Array.from({ length: 20 }, (_, i) => noisy(replay[0]!, 300 + i, 3, 0, 0.2)),
    true,
  ],
];
const rows: (string | number)[][] = [];
for (const [name, traces, withClimb] of variants) {
  rows.push(await summarise(`${name} — IAS criterion`, traces, (t) => detect(t, false)));
  if (withClimb) rows.push(await summarise(`${name} — with climb rate`, traces, (t) => detect(t, true)));
  rows.push(await summarise(`${name} — baseline: IAS < v_min 1 s`, traces, naive));
}
printTable(
  "Release decided vs. the simulator's true release (s; positive = after it)",
  [
    "traces",
    "n",
    "missed",
    "early",
    "decided p50",
    "decided p95",
    "decided max",
    "|reported| p50",
    "|reported| p95",
    "by climb",
  ],
  rows,
);
