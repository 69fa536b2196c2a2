import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { isOffCable } from "../../../src/core/launch-phase.js";
import { mpsTo, toMps } from "../../../src/core/units.js";
import type { SpeedUnit, WinchState, WinchTelemetry } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { appendSample, EMPTY_SAMPLES, IasGraph, type Samples } from "../components/ias-graph.js";
import { ClockIcon, GraphIcon } from "../components/icons.js";
import { labelRows } from "../components/label-rows.js";
import { UnitChoice } from "../components/unit-choice.js";
import { useCues } from "../cues/use-cues.js";
import { ageText, decimal, speed, speedParts, unitLabel } from "../format.js";
import { useFullscreen } from "../hooks/use-fullscreen.js";
import { useLive } from "../hooks/use-live.js";
import { useNow } from "../hooks/use-now.js";
import { useWakeLock } from "../hooks/use-wake-lock.js";
import { t } from "../i18n/translate.js";
import { Link } from "../router.js";
import { useTheme } from "../theme.js";
import { convertSpeed, useViewUnit } from "../view-units.js";

/** Without the event stream (older device, no EventSource, a failed stream) the monitor polls this often. */
export const WINCH_POLL_HZ = 2;
/** How long the RX light stays green for one new frame: shorter than the 200 ms between 5 Hz frames. */
const FLASH_MS = 120;
/** The device marks the link stale after 1.5 s; if its answer is older than this here, trust the clock. */
const LOCAL_STALE_MS = 3000;
/** Graph window: two minutes of 5 Hz frames (the stream brings every one). */
const GRAPH_SAMPLES = 600;

const ZONE_TEXT = {
  below: { icon: "▼", text: "monitor.too_slow" },
  inside: { icon: "●", text: "monitor.in_band" },
  above: { icon: "▲", text: "monitor.too_fast" },
} as const;

/** Where the IAS sits against the band, on a scale a little wider than the band. */
function BandScale({ t, muted }: { t: WinchTelemetry; muted?: boolean }) {
  const span = Math.max(1, t.v_max - t.v_min);
  const lo = Math.max(0, t.v_min - span);
  const hi = t.v_max + span;
  const frac = (v: number) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  const pct = (v: number) => `${(frac(v) * 100).toFixed(2)}%`;
  const labelBox = useRef<HTMLDivElement>(null);
  const [rows, setRows] = useState<number[]>([0, 0, 0]);
  const values = [t.v_min, t.v_opt, t.v_max];
  // Labels close together (a narrow band, a narrow screen) go to separate rows instead of colliding.
  useLayoutEffect(() => {
    const box = labelBox.current;
    if (!box) return;
    const measure = () => {
      const w = box.clientWidth;
      const spans = [...box.querySelectorAll("span")];
      const next = labelRows(
        spans.map((el, i) => ({ centre: frac(values[i] ?? 0) * w, width: el.offsetWidth })),
      );
      setRows((old) => (old.join() === next.join() ? old : next));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(box);
    return () => ro.disconnect();
  }, [t.v_min, t.v_opt, t.v_max]);
  const rowCount = Math.max(...rows) + 1;
  return (
    <div class={`band-scale${muted ? " muted" : ""}`} aria-hidden="true">
      <div class="band-track">
        <div
          class="band-inside"
          style={{ left: pct(t.v_min), width: `calc(${pct(t.v_max)} - ${pct(t.v_min)})` }}
        />
        <div class="band-opt" style={{ left: pct(t.v_opt) }} />
        {!muted && <div class="band-marker" style={{ left: pct(t.ias) }} />}
      </div>
      <div class="band-labels" ref={labelBox} style={{ height: `${rowCount * 1.6}em` }}>
        {values.map((v, i) => (
          <span key={i} style={{ left: pct(v), top: `${(rows[i] ?? 0) * 1.6}em` }}>
            {v}
          </span>
        ))}
      </div>
    </div>
  );
}

type View =
  | { kind: "loading" }
  | { kind: "live"; t: WinchTelemetry }
  /** Frames arrive, but this winch has no pairing to verify them against: never shown as current IAS. */
  | { kind: "unverified"; t: WinchTelemetry }
  | { kind: "stale"; t: WinchTelemetry; ageMs: number; why: "link" | "device" }
  | { kind: "no_signal" }
  | { kind: "released"; launch: LaunchProgress; unit: SpeedUnit };

type LaunchProgress = NonNullable<WinchState["launch"]>;

/** Winch home: the glider's IAS against its band, big enough to read from the winch seat. */
export function WinchMonitor() {
  const { effective } = useTheme();
  const [flash, setFlash] = useState(false);
  const [graphOn, setGraphOn] = useState(() => sessionFlag("owts-winch-graph"));
  const [samples, setSamples] = useState<Samples>(EMPTY_SAMPLES);
  const lastSeq = useRef<number | null>(null);
  const receivedAt = useRef(0);
  const flashTimer = useRef<ReturnType<typeof setTimeout>>();

  const poll = useLive<WinchState>("/api/winch", WINCH_POLL_HZ, (r) => {
    const tel = r.data.telemetry;
    if (r.status === 200) receivedAt.current = Date.now();
    if (r.status === 200 && tel && tel.seq !== lastSeq.current) {
      lastSeq.current = tel.seq;
      setFlash(true);
      clearTimeout(flashTimer.current);
      flashTimer.current = setTimeout(() => setFlash(false), FLASH_MS);
      // Kept in m/s, so a change of the viewer's unit redraws the whole graph in the new one.
      if (r.data.link === "ok")
        setSamples((s) => appendSample(s, Date.now() / 1000, toMps(tel.unit, tel.ias), GRAPH_SAMPLES));
    } else {
      // Nothing new (304, or only the link state changed): the light stays grey.
      clearTimeout(flashTimer.current);
      setFlash(false);
    }
    if (!tel) lastSeq.current = null;
  });
  useEffect(() => () => clearTimeout(flashTimer.current), []);

  const data = poll.data;
  const viewUnit = useViewUnit();
  const tel = data?.telemetry ? inUnit(data.telemetry, viewUnit) : null;
  const now = useNow(500, !!tel);
  const ageMs = tel ? tel.age_ms + Math.max(0, now - receivedAt.current) : 0;

  const launch = data?.launch ?? null;
  // Off the cable the winch driver's job is done: no zone, no speed (it is not for the winch any more);
  // and a landing that follows (the aircraft falls silent on the ground) reads as the end of a launch.
  const offCable =
    !!launch &&
    (isOffCable(tel?.phase) || ((!tel || data?.link !== "ok") && launch.ended && isOffCable(launch.phase)));

  let view: View;
  if (!data) view = { kind: "loading" };
  // A device that stops answering says so first: "released" is only as current as the last answer.
  else if (poll.error && tel) view = { kind: "stale", t: tel, ageMs, why: "device" };
  else if (launch && offCable) view = { kind: "released", launch, unit: viewUnit ?? launch.unit };
  else if (!tel || data.link === "no_signal") view = { kind: "no_signal" };
  else if (poll.error) view = { kind: "stale", t: tel, ageMs, why: "device" };
  else if (data.link === "stale" || ageMs > LOCAL_STALE_MS)
    view = { kind: "stale", t: tel, ageMs, why: "link" };
  else if (!tel.verified) view = { kind: "unverified", t: tel };
  else view = { kind: "live", t: tel };

  const hardFailure = poll.error && !poll.error.transient ? poll.error : null;
  // The zone panel already says "device not answering" when it has a last value to show.
  const banner = poll.error?.transient && view.kind !== "stale" ? poll.error : null;
  const wake = useWakeLock(true);
  const cues = useCues(
    view.kind === "live"
      ? view.t.zone
      : view.kind === "loading" || view.kind === "unverified" || view.kind === "released"
        ? "none"
        : view.kind,
  );
  // With no pairing left the aircraft is shown as unverified; it is not also "heard, not shown".
  const heard = (data?.unpaired_heard ?? []).filter(
    (h) => !(data?.telemetry && !data.telemetry.verified && h.registration === data.telemetry.registration),
  );
  const fullscreen = useFullscreen();

  return (
    <div class="page winch">
      <h1 class="visually-hidden">{t("page.winch_monitor")}</h1>
      {hardFailure && <FailureNotice failure={hardFailure} />}
      {banner && <FailureNotice failure={banner} retrying compact />}
      {!hardFailure && <ZonePanel view={view} />}
      {!hardFailure && heard.length > 0 && (
        <div class="notice notice-warn unpaired-heard" role="status" data-testid="unpaired-heard">
          {t("monitor.unpaired_heard")}{" "}
          {heard.map((h, i) => (
            <span key={`${h.registration}-${i}`}>
              {i > 0 && ", "}
              <strong>{h.registration}</strong> ({h.type})
            </span>
          ))}
          . {t("monitor.unpaired_not_shown")} <Link href="/config/pairings">{t("monitor.pair_it")}</Link>
        </div>
      )}

      <div class="winch-bar">
        <span
          class="rx"
          data-rx={flash ? "flash" : "idle"}
          data-transport={poll.transport}
          title={t("monitor.rx_title")}
        >
          <span class="rx-dot" aria-hidden="true" />
          RX
        </span>
        <button
          type="button"
          class="graph-toggle"
          aria-pressed={graphOn}
          onClick={() => {
            setGraphOn(!graphOn);
            setSessionFlag("owts-winch-graph", !graphOn);
          }}
        >
          <GraphIcon /> {t("monitor.graph")}
        </button>
        <UnitChoice stored={data?.telemetry?.unit ?? null} />
        {cues.supported && (
          <button
            type="button"
            class="cue-toggle"
            aria-pressed={cues.state.armed}
            data-testid="cue-toggle"
            onClick={cues.state.armed ? cues.disarm : cues.arm}
          >
            {cues.state.armed ? `🔊 ${t("monitor.sound_on")}` : `🔈 ${t("monitor.sound_off")}`}
          </button>
        )}
        {cues.state.armed && (
          <button
            type="button"
            data-testid="cue-release"
            disabled={cues.state.released}
            onClick={cues.release}
          >
            {cues.state.released ? t("monitor.quiet_until_next") : t("monitor.released_quiet")}
          </button>
        )}
        {fullscreen.supported && (
          <button
            type="button"
            class="fullscreen-toggle"
            aria-pressed={fullscreen.on}
            onClick={fullscreen.toggle}
          >
            {fullscreen.on ? t("monitor.exit_full_screen") : t("monitor.full_screen")}
          </button>
        )}
      </div>
      {cues.supported && (
        <p class="cue-help muted">
          {t("monitor.cue_help")} <Link href="/cues">{t("monitor.hear_them")}</Link>
        </p>
      )}
      {(wake === "refused" || wake === "unsupported") && (
        <p class="wake-note muted" data-testid="wake-note" data-wake={wake}>
          {wake === "refused" ? t("monitor.wake_refused") : t("monitor.wake_unsupported")}
        </p>
      )}

      {tel && (view.kind === "live" || view.kind === "stale" || view.kind === "unverified") && (
        <div class={`telemetry-facts${view.kind === "live" ? "" : " muted"}`} data-testid="telemetry-facts">
          <div class="identity">
            <strong class="registration">{tel.registration}</strong> <span class="type">{tel.type}</span>
            {!tel.verified && (
              <span class="unverified-badge" data-testid="unverified-badge">
                {t("monitor.unverified_badge")}
              </span>
            )}
          </div>
          <dl class="facts">
            <div>
              <dt>RSSI</dt>
              <dd class="rssi">
                {tel.rssi_dbm === null
                  ? t("monitor.not_measured")
                  : `${decimal(Math.round(tel.rssi_dbm), 0)} dBm`}
              </dd>
            </div>
            <div>
              <dt>SNR</dt>
              <dd>{tel.snr_db === null ? t("monitor.not_measured") : `${decimal(tel.snr_db, 1)} dB`}</dd>
            </div>
            <div>
              <dt>{t("monitor.band")}</dt>
              <dd>
                {tel.v_min}–{tel.v_opt}–{tel.v_max} {unitLabel(tel.unit)}
              </dd>
            </div>
            <div>
              <dt>{t("monitor.frames")}</dt>
              <dd>{t("monitor.frames_value", { received: tel.received, lost: tel.lost })}</dd>
            </div>
          </dl>
        </div>
      )}

      {graphOn && (
        <section class="card">
          <h2>{t("monitor.graph_title")}</h2>
          <IasGraph
            samples={{ t: samples.t, ias: samples.ias.map((x) => mpsTo(tel?.unit ?? "kmh", x)) }}
            band={tel ? { min: tel.v_min, opt: tel.v_opt, max: tel.v_max } : null}
            unit={unitLabel(tel?.unit)}
            theme={effective}
            windowS={120}
          />
          <button type="button" class="link-button" onClick={() => setSamples(EMPTY_SAMPLES)}>
            {t("monitor.clear_graph")}
          </button>
        </section>
      )}
    </div>
  );
}

function ZonePanel({ view }: { view: View }) {
  switch (view.kind) {
    case "loading":
      return (
        <section class="zone-panel zone-none" data-state="loading" aria-live="polite">
          <div class="zone-label">{t("common.connecting")}</div>
        </section>
      );
    case "no_signal":
      return (
        <section class="zone-panel zone-nosignal" data-state="no_signal" aria-live="polite">
          <div class="zone-label big">
            <span class="zone-icon" aria-hidden="true">
              ⊘
            </span>{" "}
            {t("monitor.no_signal")}
          </div>
          <p>{t("monitor.no_signal_help")}</p>
        </section>
      );
    case "released": {
      const l = view.launch;
      const c = (v: number) => Math.round(convertSpeed(v, l.unit, view.unit) * 10) / 10;
      return (
        <section class="zone-panel zone-released" data-state="released" aria-live="polite">
          <div class="zone-label big">
            <span class="zone-icon" aria-hidden="true">
              ✓
            </span>{" "}
            {l.released ? t("monitor.released") : t("monitor.landed")}
          </div>
          <dl class="launch-summary" data-testid="launch-summary">
            <div>
              <dt>{t("monitor.max_ias")}</dt>
              <dd data-testid="launch-max-ias">
                {speed(c(l.max_ias))} {unitLabel(view.unit)}
              </dd>
            </div>
            <div>
              <dt>{t("monitor.time_in_band")}</dt>
              <dd data-testid="launch-in-band">
                {t("monitor.time_in_band_value", {
                  seconds: decimal(l.time_in_band_s, 0),
                  share: decimal(l.in_band_share * 100, 0),
                })}
              </dd>
            </div>
          </dl>
          <p>
            <Link href="/history">{t("monitor.open_in_history")}</Link>
          </p>
        </section>
      );
    }
    case "stale":
      return (
        <section class="zone-panel zone-stale" data-state="stale" aria-live="polite">
          <div class="zone-label">
            <ClockIcon />{" "}
            {view.why === "device" ? t("monitor.device_not_answering") : t("monitor.signal_lost")}
          </div>
          <div class="stale-value">
            {t("monitor.last")}{" "}
            <s>
              {speed(view.t.ias)} {unitLabel(view.t.unit)}
            </s>
          </div>
          <div class="stale-age" data-testid="stale-age">
            {t("monitor.ago", { age: ageText(view.ageMs) })}
          </div>
          <BandScale t={view.t} muted />
        </section>
      );
    case "unverified":
      return (
        <section class="zone-panel zone-unverified" data-state="unverified" aria-live="polite">
          <div class="zone-label">
            <span class="zone-icon" aria-hidden="true">
              ⚠
            </span>{" "}
            {t("monitor.unverified")}
          </div>
          <div class="unverified-value" data-testid="unverified-value">
            {t("monitor.unverified_value", { speed: speed(view.t.ias), unit: unitLabel(view.t.unit) })}
          </div>
          <p>
            {t("monitor.unverified_help", { registration: view.t.registration })}{" "}
            <Link href="/config/pairings">{t("monitor.pair_aircraft")}</Link>
          </p>
          <BandScale t={view.t} muted />
        </section>
      );
    case "live": {
      const z = ZONE_TEXT[view.t.zone];
      return (
        <section class={`zone-panel zone-${view.t.zone}`} data-state="live" data-zone={view.t.zone}>
          <div class="zone-label">
            <span class="zone-icon" aria-hidden="true">
              {z.icon}
            </span>{" "}
            {t(z.text)}
          </div>
          <div class="ias">
            <IasDigits value={view.t.ias} />
            <span class="ias-unit">{unitLabel(view.t.unit)}</span>
          </div>
          <BandScale t={view.t} />
        </section>
      );
    }
  }
}

function IasDigits({ value }: { value: number }) {
  const { whole, tenth } = speedParts(value);
  return (
    <span class="ias-value" data-testid="ias">
      {whole}
      <span class="ias-tenth">{tenth}</span>
    </span>
  );
}

/**
 * Telemetry as this viewer reads it: speeds converted from the device's values (never from a rounded
 * figure) to the viewer's unit; the zone stays the device's verdict.
 */
function inUnit(t: WinchTelemetry, unit: SpeedUnit | null): WinchTelemetry {
  if (!unit || unit === t.unit) return t;
  const c = (v: number) => convertSpeed(v, t.unit, unit);
  return {
    ...t,
    unit,
    ias: Math.round(c(t.ias) * 10) / 10,
    v_min: Math.round(c(t.v_min)),
    v_opt: Math.round(c(t.v_opt)),
    v_max: Math.round(c(t.v_max)),
  };
}

function sessionFlag(key: string): boolean {
  try {
    return sessionStorage.getItem(key) === "1";
  } catch {
    return false;
  }
}

function setSessionFlag(key: string, on: boolean): void {
  try {
    sessionStorage.setItem(key, on ? "1" : "0");
  } catch {
    // Storage disabled: the toggle still works for this page.
  }
}
