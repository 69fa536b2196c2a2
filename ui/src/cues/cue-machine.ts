/*
 * Audible cues for the winch driver, whose eyes are on the cable and the glider (varios and FLARM use
 * sound for the same reason). Pure: the state machine decides what should sound; cue-player.ts makes
 * it sound with Web Audio. No audio files.
 */

/** What the monitor shows: a zone of live data, old data, no data, or nothing yet. */
export type CueSignal = "below" | "inside" | "above" | "stale" | "no_signal" | "none";

/** One repeating sound: beeps of `beepMs` every `periodMs`, cycling through `freqsHz`. */
export interface CuePattern {
  name: "below" | "inside" | "above" | "stale" | "no_signal";
  freqsHz: readonly number[];
  wave: "sine" | "square" | "triangle";
  beepMs: number;
  periodMs: number;
  /** Beeps before it falls silent by itself; absent: until the signal changes. */
  count?: number;
  /** navigator.vibrate pattern played once when the cue starts. */
  vibrate: readonly number[];
}

/**
 * Vario-like: pitch and pulse rate say which way. Too slow is low and slow, in band a calm high tick,
 * too fast high and fast. Stale (frames stopped) is a two-tone square alarm nothing else sounds like;
 * no signal three long low buzzes, then quiet.
 */
export const PATTERNS: Readonly<Record<CuePattern["name"], CuePattern>> = {
  below: {
    name: "below",
    freqsHz: [440],
    wave: "sine",
    beepMs: 140,
    periodMs: 700,
    vibrate: [200, 100, 200],
  },
  inside: { name: "inside", freqsHz: [880], wave: "sine", beepMs: 50, periodMs: 1500, vibrate: [60] },
  above: {
    name: "above",
    freqsHz: [1320],
    wave: "sine",
    beepMs: 90,
    periodMs: 240,
    vibrate: [80, 50, 80, 50, 80],
  },
  stale: {
    name: "stale",
    freqsHz: [960, 640],
    wave: "square",
    beepMs: 200,
    periodMs: 250,
    vibrate: [500, 150, 500],
  },
  no_signal: {
    name: "no_signal",
    freqsHz: [300],
    wave: "square",
    beepMs: 600,
    periodMs: 1200,
    count: 3,
    vibrate: [1000],
  },
};

export interface CueState {
  /** The driver turned cues on (one tap; remembered). */
  armed: boolean;
  /** The driver tapped "released": quiet until a new launch (live data after a gap). */
  released: boolean;
  signal: CueSignal;
}

export const INITIAL_CUES: CueState = { armed: false, released: false, signal: "none" };

export type CueEvent =
  | { kind: "signal"; signal: CueSignal }
  | { kind: "arm" }
  | { kind: "disarm" }
  | { kind: "release" };

const LIVE = new Set<CueSignal>(["below", "inside", "above"]);

/** The next state after an event. A new launch (live after stale, no signal or nothing) ends "released". */
export function nextCues(s: CueState, e: CueEvent): CueState {
  switch (e.kind) {
    case "arm":
      return { ...s, armed: true, released: false };
    case "disarm":
      return { ...s, armed: false, released: false };
    case "release":
      return { ...s, released: true };
    case "signal": {
      const newLaunch = s.released && LIVE.has(e.signal) && !LIVE.has(s.signal);
      return { ...s, signal: e.signal, released: newLaunch ? false : s.released };
    }
  }
}

/** What should sound now: nothing unless armed and not released. */
export function cueFor(s: CueState): CuePattern | null {
  if (!s.armed || s.released || s.signal === "none") return null;
  return PATTERNS[s.signal];
}
