import { useEffect, useState } from "preact/hooks";
import { type CuePattern, PATTERNS } from "../cues/cue-machine.js";
import { cuePlayer } from "../cues/use-cues.js";
import { type MessageKey, t } from "../i18n/translate.js";

const TEXT: Record<CuePattern["name"], MessageKey> = {
  below: "cues.below",
  inside: "cues.inside",
  above: "cues.above",
  stale: "cues.stale",
  no_signal: "cues.no_signal",
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
      <h1>{t("page.sound_test")}</h1>
      {!available && <p class="notice notice-warn">{t("cues.unavailable")}</p>}
      <p>{t("cues.help")}</p>
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
            {t(TEXT[n])}
          </button>
        ))}
        <button type="button" class="primary" onClick={() => play(null)} disabled={!available}>
          {t("cues.stop")}
        </button>
      </div>
    </div>
  );
}
