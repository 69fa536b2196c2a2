import type { CuePattern } from "./cue-machine.js";

/** The part of Web Audio the player uses (a fake one in tests). */
export interface AudioLike {
  readonly currentTime: number;
  readonly state: string;
  readonly destination: unknown;
  resume(): Promise<void>;
  createOscillator(): {
    type: string;
    frequency: { value: number };
    connect(n: unknown): unknown;
    start(at: number): void;
    stop(at: number): void;
  };
  createGain(): {
    gain: {
      value: number;
      setValueAtTime(v: number, t: number): unknown;
      linearRampToValueAtTime(v: number, t: number): unknown;
    };
    connect(n: unknown): unknown;
  };
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
}

/**
 * Plays one pattern at a time: `play(p)` replaces what sounds, `play(null)` is silence. Each beep is
 * an oscillator through a short gain envelope (no clicks), scheduled on the audio clock.
 */
export class CuePlayer {
  #current: CuePattern | null = null;
  #timer: unknown = null;
  #beeps = 0;

  constructor(
    private readonly ctx: AudioLike,
    private readonly timers: Timers,
    private readonly vibrate: (pattern: readonly number[]) => void = () => undefined,
    /** @default 0.25 — loud enough over a winch engine at arm's length, not at full scale. */
    private readonly volume = 0.25,
  ) {}

  get playing(): CuePattern["name"] | null {
    return this.#current?.name ?? null;
  }

  play(p: CuePattern | null): void {
    if (p?.name === this.#current?.name) return;
    if (this.#timer !== null) this.timers.clearInterval(this.#timer);
    this.#timer = null;
    this.#current = p;
    this.#beeps = 0;
    if (!p) return;
    if (this.ctx.state === "suspended") void this.ctx.resume().catch(() => undefined);
    this.vibrate(p.vibrate);
    this.#beep();
    this.#timer = this.timers.setInterval(() => this.#beep(), p.periodMs);
  }

  #beep(): void {
    const p = this.#current;
    if (!p) return;
    if (p.count !== undefined && this.#beeps >= p.count) {
      // Done by itself: stay quiet, but remember the pattern so the same signal does not restart it.
      if (this.#timer !== null) this.timers.clearInterval(this.#timer);
      this.#timer = null;
      return;
    }
    const t = this.ctx.currentTime;
    const freq = p.freqsHz[this.#beeps % p.freqsHz.length] ?? 440;
    this.#beeps++;
    const osc = this.ctx.createOscillator();
    const gain = this.ctx.createGain();
    osc.type = p.wave;
    osc.frequency.value = freq;
    const end = t + p.beepMs / 1000;
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(this.volume, t + 0.01);
    gain.gain.setValueAtTime(this.volume, Math.max(t + 0.01, end - 0.02));
    gain.gain.linearRampToValueAtTime(0, end);
    osc.connect(gain);
    gain.connect(this.ctx.destination);
    osc.start(t);
    osc.stop(end);
  }
}
