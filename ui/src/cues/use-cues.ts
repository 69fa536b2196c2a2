import { useEffect, useRef, useState } from "preact/hooks";
import { type CueSignal, type CueState, cueFor, INITIAL_CUES, nextCues } from "./cue-machine.js";
import { type AudioLike, CuePlayer } from "./cue-player.js";

const KEY = "owts-cues";

function storedArmed(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

function remember(on: boolean): void {
  try {
    localStorage.setItem(KEY, on ? "1" : "0");
  } catch {
    // No storage: armed for this page only.
  }
}

type Ctor = new () => AudioLike;
const AudioCtor = (): Ctor | null =>
  ((window as unknown as { AudioContext?: Ctor; webkitAudioContext?: Ctor }).AudioContext ??
    (window as unknown as { webkitAudioContext?: Ctor }).webkitAudioContext ??
    null) as Ctor | null;

let shared: { ctx: AudioLike; player: CuePlayer } | null = null;

/** One audio context per page, made on first use; browsers start it only after a tap. */
export function cuePlayer(): CuePlayer | null {
  if (shared) return shared.player;
  const C = AudioCtor();
  if (!C) return null;
  const ctx = new C();
  const vibrate = (p: readonly number[]) => {
    if (typeof navigator.vibrate === "function") navigator.vibrate([...p]);
  };
  shared = { ctx, player: new CuePlayer(ctx, window, vibrate) };
  // Remembered as armed but not yet allowed to sound: the first tap anywhere unlocks it.
  const unlock = () => {
    void ctx.resume().catch(() => undefined);
    document.removeEventListener("pointerdown", unlock);
  };
  if (ctx.state === "suspended") document.addEventListener("pointerdown", unlock);
  return shared.player;
}

/** Cues for the monitor: follows `signal` while armed; off by default; one tap arms (remembered). */
export function useCues(signal: CueSignal): {
  state: CueState;
  supported: boolean;
  arm(): void;
  disarm(): void;
  release(): void;
} {
  const [state, setState] = useState<CueState>(() => ({ ...INITIAL_CUES, armed: storedArmed() }));
  const stateRef = useRef(state);
  const supported = AudioCtor() !== null;
  const apply = (e: Parameters<typeof nextCues>[1]) =>
    setState((s) => {
      const n = nextCues(s, e);
      stateRef.current = n;
      return n;
    });

  useEffect(() => apply({ kind: "signal", signal }), [signal]);
  useEffect(() => {
    const pattern = cueFor(state);
    const player = pattern || shared ? cuePlayer() : null;
    player?.play(pattern);
  }, [state]);
  // Leaving the monitor is silence.
  useEffect(() => () => shared?.player.play(null), []);

  return {
    state,
    supported,
    arm: () => {
      remember(true);
      cuePlayer();
      apply({ kind: "arm" });
    },
    disarm: () => {
      remember(false);
      apply({ kind: "disarm" });
    },
    release: () => apply({ kind: "release" }),
  };
}
