import { useEffect, useState } from "preact/hooks";
import { type CuePattern, PATTERNS } from "../cues/cue-machine.js";
import { cuePlayer } from "../cues/use-cues.js";

const TEXT: Record<CuePattern["name"], string> = {
  below: "Too slow: low, slow pulses",
  inside: "In band: a calm tick",
  above: "Too fast: high, fast pulses",
  stale: "Signal lost (frames stopped): two-tone alarm",
  no_signal: "No signal: three long low buzzes",
};

/** Sound test: each cue the monitor can play, on demand (the monitor's own player). */
export function CueTest() {
  const [playing, setPlaying] = useState<CuePattern["name"] | null>(null);
  const player = cuePlayer;
  useEffect(() => () => player()?.play(null), []);
  const play = (name: CuePattern["name"] | null) => {
    const p = player();
    p?.play(name ? PATTERNS[name] : null);
    setPlaying(name);
  };
  const available = player() !== null;
  return (
    <div class="page">
      <h1>Sound test</h1>
      {!available && <p class="notice notice-warn">This browser cannot play sounds (no Web Audio).</p>}
      <p>
        Tap a cue to hear it; the monitor plays them when sound is on. Phones in silent mode may vibrate
        instead.
      </p>
      <div class="cue-list">
        {(Object.keys(PATTERNS) as CuePattern["name"][]).map((n) => (
          <button
            type="button"
            key={n}
            data-cue={n}
            aria-pressed={playing === n}
            disabled={!available}
            onClick={() => play(playing === n ? null : n)}
          >
            {TEXT[n]}
          </button>
        ))}
        <button type="button" class="primary" onClick={() => play(null)} disabled={!available}>
          Stop
        </button>
      </div>
    </div>
  );
}
