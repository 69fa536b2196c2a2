import { describe, expect, it } from "vitest";
import {
  type CueEvent,
  type CueSignal,
  type CueState,
  cueFor,
  INITIAL_CUES,
  nextCues,
  PATTERNS,
} from "../../ui/src/cues/cue-machine.js";
import { type AudioLike, CuePlayer, type Timers } from "../../ui/src/cues/cue-player.js";

/** A Web Audio stand-in that records every oscillator: its wave, frequency and start/stop times. */
class FakeAudioContext implements AudioLike {
  currentTime = 0;
  state = "suspended";
  destination = { node: "destination" };
  resumed = 0;
  beeps: { type: string; freq: number; start: number; stop: number; connected: boolean }[] = [];
  async resume() {
    this.resumed++;
    this.state = "running";
  }
  createOscillator() {
    const beep = { type: "", freq: 0, start: -1, stop: -1, connected: false };
    this.beeps.push(beep);
    return {
      set type(t: string) {
        beep.type = t;
      },
      get type() {
        return beep.type;
      },
      frequency: {
        set value(v: number) {
          beep.freq = v;
        },
        get value() {
          return beep.freq;
        },
      },
      connect: () => {
        beep.connected = true;
        return undefined;
      },
      start: (t: number) => {
        beep.start = t;
      },
      stop: (t: number) => {
        beep.stop = t;
      },
    };
  }
  createGain() {
    const values: number[] = [];
    return {
      gain: {
        value: 0,
        setValueAtTime: (v: number) => values.push(v),
        linearRampToValueAtTime: (v: number) => values.push(v),
      },
      connect: () => undefined,
    };
  }
}

/** Intervals run by hand: `tick(ms)` advances both the timers and the audio clock. */
class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  readonly jobs = new Map<number, { fn: () => void; ms: number; due: number }>();
  constructor(private readonly ctx: FakeAudioContext) {}
  setInterval(fn: () => void, ms: number) {
    const id = this.#next++;
    this.jobs.set(id, { fn, ms, due: this.now + ms });
    return id;
  }
  clearInterval(id: unknown) {
    this.jobs.delete(id as number);
  }
  tick(ms: number) {
    const end = this.now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const due = [...this.jobs.entries()].sort((a, b) => a[1].due - b[1].due)[0];
      if (!due || due[1].due > end) break;
      this.now = due[1].due;
      this.ctx.currentTime = this.now / 1000;
      due[1].due += due[1].ms;
      due[1].fn();
    }
    this.now = end;
    this.ctx.currentTime = end / 1000;
  }
}

function run(events: CueEvent[], from: CueState = INITIAL_CUES): CueState {
  return events.reduce(nextCues, from);
}
const sig = (signal: CueSignal): CueEvent => ({ kind: "signal", signal });

describe("cue state machine", () => {
  it("is silent by default, and sounds only once armed", () => {
    expect(cueFor(run([sig("below")]))).toBeNull();
    expect(cueFor(run([sig("below"), { kind: "arm" }]))?.name).toBe("below");
    expect(cueFor(run([{ kind: "arm" }, sig("above"), { kind: "disarm" }]))).toBeNull();
  });

  it("below, in band and above are distinct: pitch and pulse rate say which way", () => {
    const { below, inside, above, stale, no_signal } = PATTERNS;
    expect(below.freqsHz[0]).toBeLessThan(inside.freqsHz[0] ?? 0);
    expect(inside.freqsHz[0]).toBeLessThan(above.freqsHz[0] ?? 0);
    expect(above.periodMs).toBeLessThan(below.periodMs);
    // The alarms sound like nothing else: square waves, stale two-tone, no-signal a few long buzzes.
    for (const p of [below, inside, above]) expect(p.wave).toBe("sine");
    expect(stale.wave).toBe("square");
    expect(new Set(stale.freqsHz).size).toBe(2);
    expect(no_signal.wave).toBe("square");
    expect(no_signal.count).toBe(3);
    expect(no_signal.beepMs).toBeGreaterThan(stale.beepMs);
  });

  it("stale and no signal sound their alarms; 'released' is quiet until a new launch", () => {
    const armed = run([{ kind: "arm" }, sig("inside")]);
    expect(cueFor(nextCues(armed, sig("stale")))?.name).toBe("stale");
    expect(cueFor(nextCues(armed, sig("no_signal")))?.name).toBe("no_signal");
    const released = run([{ kind: "release" }, sig("above"), sig("stale"), sig("no_signal")], armed);
    expect(cueFor(released)).toBeNull();
    // The next glider: live data after the gap ends the quiet.
    const next = nextCues(released, sig("below"));
    expect(next.released).toBe(false);
    expect(cueFor(next)?.name).toBe("below");
    // A zone change within the same launch does not.
    expect(run([{ kind: "release" }, sig("above")], armed).released).toBe(true);
  });
});

describe("cue player on a fake AudioContext", () => {
  it("plays the pattern's beeps at its rate and pitch, and stops on silence", () => {
    const ctx = new FakeAudioContext();
    const timers = new FakeTimers(ctx);
    const vibrations: (readonly number[])[] = [];
    const player = new CuePlayer(ctx, timers, (p) => vibrations.push(p));
    player.play(PATTERNS.above);
    expect(ctx.resumed).toBe(1);
    expect(vibrations).toEqual([PATTERNS.above.vibrate]);
    timers.tick(1000);
    // One at once, then one per 240 ms: 1 + 4 in a second.
    expect(ctx.beeps).toHaveLength(5);
    expect(ctx.beeps.every((b) => b.freq === 1320 && b.type === "sine" && b.connected)).toBe(true);
    expect(ctx.beeps[1]?.start).toBeCloseTo(0.24);
    expect((ctx.beeps[1]?.stop ?? 0) - (ctx.beeps[1]?.start ?? 0)).toBeCloseTo(0.09);

    // The same pattern again changes nothing; another replaces it at once.
    player.play(PATTERNS.above);
    expect(timers.jobs.size).toBe(1);
    player.play(PATTERNS.stale);
    timers.tick(500);
    const stale = ctx.beeps.slice(5);
    expect(stale.map((b) => b.freq)).toEqual([960, 640, 960]);
    expect(stale.every((b) => b.type === "square")).toBe(true);

    player.play(null);
    expect(timers.jobs.size).toBe(0);
    const n = ctx.beeps.length;
    timers.tick(5000);
    expect(ctx.beeps).toHaveLength(n);
    expect(player.playing).toBeNull();
  });

  it("no signal buzzes three times, then is quiet without being asked", () => {
    const ctx = new FakeAudioContext();
    const timers = new FakeTimers(ctx);
    const player = new CuePlayer(ctx, timers);
    player.play(PATTERNS.no_signal);
    timers.tick(10_000);
    expect(ctx.beeps.map((b) => b.freq)).toEqual([300, 300, 300]);
    expect(timers.jobs.size).toBe(0);
    // Still "playing" no_signal: the same signal does not start it over.
    player.play(PATTERNS.no_signal);
    timers.tick(10_000);
    expect(ctx.beeps).toHaveLength(3);
  });
});
