import type { Logger } from "../core/logger.js";
import { mulberry32 } from "../core/prng.js";
import { ProblemList } from "../core/problems.js";
import { type SpeedUnit, toMps } from "../core/units.js";
import { DEFAULT_TIME_SCALE, type IasSample, type IasSource, type SensorHealth } from "./ias-source.js";
import { hash3, valueNoise } from "./noise.js";

/** Stages of one simulated flight, in order; `ground` is the pause before each launch. */
export const SIM_SEGMENTS = [
  "ground",
  "ground_roll",
  "rotation",
  "climb",
  "release",
  "glide",
  "approach",
  "landing",
  "roll_out",
] as const;
export type SimSegment = (typeof SIM_SEGMENTS)[number];

/**
 * The speeds a simulated flight is built around: the configured aircraft's band and landing speed
 * (any aircraft profile fits), so launches suit whatever glider is set up.
 */
export interface SimSpeeds {
  unit: SpeedUnit;
  v_en: number;
  v_min: number;
  v_opt: number;
  v_max: number;
}

/** The simulator's seed when none is given. */
export const DEFAULT_SIM_SEED = 1;

/**
 * What is flown after each launch. `circuit`: release at 300–450 m and a full circuit, 3–4 minutes in
 * the air (the demo). `short`: a short-cable launch released at 150–220 m and a low circuit flown with
 * airbrakes, about a minute in the air, then a short pause — launch after launch for a trainer showing
 * the winch side, and for tests that need the glider on the cable often.
 */
export const SIM_FLIGHTS = ["circuit", "short"] as const;
export type SimFlight = (typeof SIM_FLIGHTS)[number];
export const DEFAULT_SIM_FLIGHT: SimFlight = "circuit";
/** Simulated seconds on the ground after each roll-out when none is given, per flight. */
export const DEFAULT_GROUND_PAUSE_S: Readonly<Record<SimFlight, number>> = { circuit: 30, short: 15 };

/** An ASK 21 in km/h, the demo's glider. */
export const DEFAULT_SIM_SPEEDS: SimSpeeds = { unit: "kmh", v_en: 50, v_min: 90, v_opt: 105, v_max: 130 };

export interface SimSourceOptions {
  /**
   * Speeds are derived from its band so launches fit whatever aircraft is configured.
   * @default DEFAULT_SIM_SPEEDS
   */
  profile?: SimSpeeds;
  /**
   * Unsigned 32-bit seed; the same seed gives the same flights.
   * @default DEFAULT_SIM_SEED
   */
  seed?: number;
  /**
   * Simulated seconds per real second, (0, 1000]; 10 runs a flight ten times faster.
   * @default DEFAULT_TIME_SCALE
   */
  timeScale?: number;
  /**
   * Repeat launches forever; otherwise stay on the ground after the first.
   * @default true
   */
  loop?: boolean;
  /**
   * Simulated seconds on the ground before the first launch, [0, 3600].
   * @default 3
   */
  firstLaunchAfterS?: number;
  /**
   * What is flown after each launch (see SIM_FLIGHTS).
   * @default DEFAULT_SIM_FLIGHT
   */
  flight?: SimFlight;
  /**
   * Simulated seconds on the ground after each roll-out, [0, 3600].
   * @default DEFAULT_GROUND_PAUSE_S of the flight (30 s after a circuit, 15 s after a short flight)
   */
  groundPauseS?: number;
  /**
   * Millisecond clock; inject a virtual clock in tests.
   * @default `performance.now`
   */
  now?: () => number;
  /** @default undefined (no logging) */
  logger?: Logger;
}

/** The simulator's truth at one instant of simulated time. */
export interface SimPoint {
  /** Simulated milliseconds since start(). */
  t_ms: number;
  /** 0-based launch number. */
  launch: number;
  segment: SimSegment;
  ias_mps: number;
  altitude_m: number;
}

interface Segment {
  name: SimSegment;
  startMs: number;
  durMs: number;
}

/** Everything random about one launch, drawn once from the seed and the launch number. */
interface LaunchPlan {
  index: number;
  startMs: number;
  endMs: number;
  segments: Segment[];
  vLift: number;
  vClimb: number;
  climbSwing: number;
  climbPeriodMs: number;
  releaseFrom: number;
  releaseDip: number;
  vGlide: number;
  glideSwing: number;
  glidePeriodMs: number;
  glideEnd: number;
  vApp: number;
  vTouch: number;
  releaseHeight: number;
  approachHeight: number;
}

const KMH = 1000 / 3600;

/** Turbulence amplitude per stage (km/h); on the ground it fades with speed. */
const TURBULENCE_KMH: Record<SimSegment, number> = {
  ground: 0,
  ground_roll: 1,
  rotation: 2.5,
  climb: 4,
  release: 3,
  glide: 2.5,
  approach: 3.5,
  landing: 2.5,
  roll_out: 1,
};

const smoothstep = (u: number) => u * u * (3 - 2 * u);
const lerp = (a: number, b: number, u: number) => a + (b - a) * u;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * A seeded winch launch and circuit: ground roll, rotation, climb near v_opt with turbulence,
 * release at 300–450 m, a circuit near v_min, approach, landing and roll-out, then a pause on the
 * ground. A `short` flight has the same stages with a lower release and a steeper descent, so every
 * phase a unit tells apart still comes in the same order. The airspeed is a pure function of simulated time and the seed, so two runs with the same
 * seed agree sample for sample whatever the read rate. Sample times (`t_ms`) are simulated time, so
 * a compressed demo also compresses everything downstream (the landing hold, for one).
 */
export class SimIasSource implements IasSource {
  readonly kind = "sim";
  readonly seed: number;
  readonly timeScale: number;
  readonly loop: boolean;
  readonly flight: SimFlight;
  #profile: SimSpeeds;
  readonly #firstMs: number;
  readonly #pauseMs: number;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  #t0: number | undefined;
  #cursor: LaunchPlan;
  #lastSegment: SimSegment | undefined;
  #lastLaunch = -1;

  constructor(opts: SimSourceOptions = {}) {
    const p = new ProblemList();
    const seed = opts.seed ?? DEFAULT_SIM_SEED;
    p.number("/seed", seed, { min: 0, max: 0xffff_ffff, integer: true });
    const timeScale = opts.timeScale ?? DEFAULT_TIME_SCALE;
    p.number("/timeScale", timeScale, { min: 0, max: 1000, minExclusive: true });
    const first = opts.firstLaunchAfterS ?? 3;
    p.number("/firstLaunchAfterS", first, { min: 0, max: 3600 });
    const flight = opts.flight ?? DEFAULT_SIM_FLIGHT;
    const known = (SIM_FLIGHTS as readonly unknown[]).includes(flight);
    if (!known) p.add("/flight", `must be one of ${SIM_FLIGHTS.join(", ")} (got ${JSON.stringify(flight)})`);
    const pause = opts.groundPauseS ?? DEFAULT_GROUND_PAUSE_S[known ? flight : DEFAULT_SIM_FLIGHT];
    p.number("/groundPauseS", pause, { min: 0, max: 3600 });
    const profile = opts.profile ?? DEFAULT_SIM_SPEEDS;
    checkProfile(p, profile);
    p.throwIfAny("sim source settings");
    this.seed = seed;
    this.timeScale = timeScale;
    this.loop = opts.loop ?? true;
    this.flight = flight;
    this.#profile = profile;
    this.#firstMs = first * 1000;
    this.#pauseMs = pause * 1000;
    this.#now = opts.now ?? (() => performance.now());
    this.#log = opts.logger?.child({ tag: "sensor" });
    this.#cursor = this.#plan(0, 0);
  }

  async start(): Promise<void> {
    this.#t0 = this.#now();
    this.#log?.info(
      `sim source started (seed ${this.seed}, time x${this.timeScale}, ${this.flight} flights, ${this.loop ? "looping" : "one launch"})`,
    );
  }

  async read(): Promise<IasSample | null> {
    if (this.#t0 === undefined) throw new Error("sim source: call start() before read()");
    const t = Math.max(0, (this.#now() - this.#t0) * this.timeScale);
    const pt = this.stateAt(t);
    if (pt.segment !== this.#lastSegment || pt.launch !== this.#lastLaunch) {
      if (pt.launch !== this.#lastLaunch && pt.segment !== "ground") {
        const plan = this.#planFor(t);
        this.#log?.info(`sim launch ${pt.launch + 1}: planned release at ${plan.releaseHeight.toFixed(0)} m`);
      }
      this.#log?.debug(`sim segment ${pt.segment}`);
      this.#lastSegment = pt.segment;
      this.#lastLaunch = pt.launch;
    }
    return { t_ms: t, ias_mps: pt.ias_mps };
  }

  health(): SensorHealth {
    return this.#t0 === undefined
      ? { state: "starting", reason: "not started", errors: 0, source: this.kind }
      : { state: "ok", errors: 0, source: this.kind };
  }

  async close(): Promise<void> {
    this.#t0 = undefined;
  }

  /**
   * Use a new profile from the next launch on (the one in progress keeps its speeds, so the
   * airspeed never jumps). stateAt() for earlier times is then re-derived with the new profile.
   */
  setProfile(profile: SimSpeeds): void {
    const p = new ProblemList();
    checkProfile(p, profile);
    p.throwIfAny("sim source profile");
    this.#profile = { ...profile };
  }

  /** The simulated truth at `simMs` milliseconds of simulated time after start. Pure; for tests and tools. */
  stateAt(simMs: number): SimPoint {
    const plan = this.#planFor(simMs);
    const local = simMs - plan.startMs;
    const seg =
      plan.segments.find((s) => local < s.startMs + s.durMs) ?? plan.segments[plan.segments.length - 1]!;
    // Past the end of a single, non-looping launch the glider just stands there.
    if (local >= plan.endMs - plan.startMs) {
      return { t_ms: simMs, launch: plan.index, segment: "ground", ias_mps: 0, altitude_m: 0 };
    }
    const inSeg = local - seg.startMs;
    const u = seg.durMs > 0 ? clamp(inSeg / seg.durMs, 0, 1) : 1;
    const { base, altitude } = baseAt(plan, seg.name, u, inSeg);
    const fade = plan.vLift > 0 ? Math.min(1, base / plan.vLift) : 0;
    const amp = TURBULENCE_KMH[seg.name] * KMH * fade;
    const gust = 0.8 * valueNoise(this.seed, 1, simMs, 700) + 0.2 * valueNoise(this.seed, 2, simMs, 60);
    return {
      t_ms: simMs,
      launch: plan.index,
      segment: seg.name,
      ias_mps: Math.max(0, base + amp * gust),
      altitude_m: altitude,
    };
  }

  /** The plan covering `simMs`; walks forward from the cached one, or from launch 0 if time went back. */
  #planFor(simMs: number): LaunchPlan {
    if (simMs < this.#cursor.startMs) this.#cursor = this.#plan(0, 0);
    while (this.loop && simMs >= this.#cursor.endMs) {
      this.#cursor = this.#plan(this.#cursor.index + 1, this.#cursor.endMs);
    }
    return this.#cursor;
  }

  #plan(index: number, startMs: number): LaunchPlan {
    const rnd = mulberry32(hash3(this.seed, 0x1a0c4, index));
    const between = (lo: number, hi: number) => lo + (hi - lo) * rnd();
    const pr = this.#profile;
    const v = (x: number) => toMps(pr.unit, x);
    const vEn = v(pr.v_en);
    const vMin = v(pr.v_min);
    const vOpt = v(pr.v_opt);
    const vMax = v(pr.v_max);

    // Lift-off and touchdown sit clearly above v_en but below the circuit speed, like a real glider.
    const vTouchNominal = Math.min(Math.max(1.2 * vEn, 0.72 * vMin), (vEn + vMin) / 2);
    const vLift = vTouchNominal + between(-1, 1) * KMH;
    const vTouch = vTouchNominal + between(-2, 2) * KMH;
    const vClimb = clamp(vOpt + between(-3, 3) * KMH, vMin, vMax);
    const vGlide = clamp(vMin + between(-3, 3) * KMH, vTouchNominal + 10 * KMH, vMax);
    const vApp = clamp(Math.max(1.1 * vMin + between(-2, 2) * KMH, vGlide), vGlide, vMax);
    // The same draws in the same order for both flights (a circuit stays what it always was).
    // A short flight: a short cable releases low, a few seconds of straight glide, then a low
    // circuit with full airbrakes (an ASK 21 sinks 4–5 m/s so at approach speed).
    const short = this.flight === "short";
    const releaseHeight = short ? between(150, 220) : between(300, 450);
    const climbRate = between(9, 11);
    const sinkGlide = between(1.3, 1.8);
    const approachHeight = short ? releaseHeight - sinkGlide * between(8, 12) : between(100, 150);
    const sinkApp = short ? between(4, 5) : between(2.5, 3.5);

    const durations: [SimSegment, number][] = [
      ["ground", index === 0 ? this.#firstMs : this.#pauseMs],
      ["ground_roll", between(2.5, 3.5) * 1000],
      ["rotation", between(2.5, 3.5) * 1000],
      ["climb", (releaseHeight / climbRate) * 1000],
      ["release", between(3, 5) * 1000],
      ["glide", ((releaseHeight - approachHeight) / sinkGlide) * 1000],
      ["approach", (approachHeight / sinkApp) * 1000],
      ["landing", between(5, 7) * 1000],
      ["roll_out", between(10, 15) * 1000],
    ];
    const segments: Segment[] = [];
    let at = 0;
    for (const [name, durMs] of durations) {
      segments.push({ name, startMs: at, durMs });
      at += durMs;
    }
    const plan: LaunchPlan = {
      index,
      startMs,
      endMs: startMs + at,
      segments,
      vLift,
      vClimb,
      climbSwing: between(1.5, 3) * KMH,
      climbPeriodMs: between(8, 14) * 1000,
      releaseFrom: 0,
      releaseDip: between(3, 6) * KMH,
      vGlide,
      glideSwing: between(2, 4) * KMH,
      glidePeriodMs: between(15, 30) * 1000,
      glideEnd: 0,
      vApp,
      vTouch,
      releaseHeight,
      approachHeight,
    };
    // Each stage starts where the previous one ended, so the base speed never jumps.
    const climb = segments[3]!;
    const glide = segments[5]!;
    plan.releaseFrom = baseAt(plan, "climb", 1, climb.durMs).base;
    plan.glideEnd = baseAt(plan, "glide", 1, glide.durMs).base;
    return plan;
  }
}

function checkProfile(p: ProblemList, pr: SimSpeeds): void {
  if (!(pr.v_en > 0 && pr.v_en < pr.v_min && pr.v_min <= pr.v_opt && pr.v_opt <= pr.v_max)) {
    p.add("/profile", "needs 0 < v_en < v_min <= v_opt <= v_max");
  }
}

/** Noise-free airspeed and altitude at fraction `u` (elapsed `ms`) of a stage. */
function baseAt(
  plan: LaunchPlan,
  seg: SimSegment,
  u: number,
  ms: number,
): { base: number; altitude: number } {
  switch (seg) {
    case "ground":
      return { base: 0, altitude: 0 };
    case "ground_roll":
      // The winch pulls hardest at the start: 0 to lift-off speed in about three seconds.
      return { base: plan.vLift * (1 - (1 - u) ** 2), altitude: 0 };
    case "rotation":
      return { base: lerp(plan.vLift, plan.vClimb, smoothstep(u)), altitude: 15 * u * u };
    case "climb":
      // The winch driver's corrections show as a slow swing around the climb speed.
      return {
        base: plan.vClimb + plan.climbSwing * Math.sin((2 * Math.PI * ms) / plan.climbPeriodMs),
        altitude: lerp(15, plan.releaseHeight, smoothstep(u)),
      };
    case "release":
      return {
        base: lerp(plan.releaseFrom, plan.vGlide, smoothstep(u)) - plan.releaseDip * Math.sin(Math.PI * u),
        altitude: plan.releaseHeight,
      };
    case "glide":
      // Turns in the circuit wander the speed slowly.
      return {
        base: plan.vGlide + plan.glideSwing * Math.sin((2 * Math.PI * ms) / plan.glidePeriodMs),
        altitude: lerp(plan.releaseHeight, plan.approachHeight, u),
      };
    case "approach":
      return {
        base: lerp(plan.glideEnd, plan.vApp, smoothstep(Math.min(1, ms / 6000))),
        altitude: lerp(plan.approachHeight, 0, u),
      };
    case "landing":
      return { base: lerp(plan.vApp, plan.vTouch, smoothstep(u)), altitude: 0 };
    case "roll_out":
      return { base: plan.vTouch * (1 - u) ** 1.3, altitude: 0 };
  }
}
