import { useEffect, useState } from "preact/hooks";
import { load } from "../api/client.js";
import type { AircraftProfile, AircraftLive as Live } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { appendSample, EMPTY_SAMPLES, IasGraph, type Samples } from "../components/ias-graph.js";
import { ClockIcon, PlaneIcon, StopIcon } from "../components/icons.js";
import { ppmPercent, speedParts, unitLabel } from "../format.js";
import { usePoll } from "../hooks/use-poll.js";
import { type MessageKey, t } from "../i18n/translate.js";
import { Link } from "../router.js";
import { useTheme } from "../theme.js";

/** The firmware's AIRCRAFT_MONITOR_POLL_HZ: the ETag design changes at most this often. */
export const AIRCRAFT_MONITOR_POLL_HZ = 2;
/** Half an hour at 2 Hz; older samples scroll out. */
const GRAPH_SAMPLES = 3600;

const PHASE = {
  airborne: { icon: PlaneIcon, text: "live.airborne" },
  landing_hold: { icon: ClockIcon, text: "live.landing_hold" },
  landed: { icon: StopIcon, text: "live.landed" },
} as const;

/** The sensor's health in words; a stale sensor is never read as a current speed. */
const SENSOR_STATE: Record<Live["sensor"]["state"], MessageKey> = {
  ok: "live.sensor_ok",
  stale: "live.sensor_stale",
  fault: "live.sensor_fault",
  starting: "live.sensor_starting",
};

const TX_STATE: Record<Live["tx"]["state"], MessageKey> = {
  sending: "live.tx_sending",
  idle: "live.tx_idle",
  duty_blocked: "live.tx_duty_blocked",
  fault: "live.tx_fault",
};

/** `/aircraft/live`: IAS and flight phase, polled only while this page is open. */
export function AircraftLive() {
  const { effective } = useTheme();
  const [samples, setSamples] = useState<Samples>(EMPTY_SAMPLES);
  const [profile, setProfile] = useState<AircraftProfile | null>(null);
  useEffect(() => {
    // Once, for the band shading in the graph; the page works without it.
    const ctrl = new AbortController();
    load<AircraftProfile>("/api/aircraft", { signal: ctrl.signal }).then(setProfile, () => {});
    return () => ctrl.abort();
  }, []);
  const poll = usePoll<Live>("/api/aircraft/live", AIRCRAFT_MONITOR_POLL_HZ, (r) => {
    const phase = r.data.flight_phase;
    // The graph is a record of one flight: it runs while flying and starts afresh after landing.
    if (phase === "landed") setSamples((s) => (s.t.length ? EMPTY_SAMPLES : s));
    else setSamples((s) => appendSample(s, Date.now() / 1000, r.data.ias, GRAPH_SAMPLES));
  });
  const d = poll.data;
  const hard = poll.error && !poll.error.transient ? poll.error : null;
  const old = !!poll.error;

  return (
    <div class="page aircraft-live">
      <h1>{t("live.title")}</h1>
      {hard && <FailureNotice failure={hard} />}
      {poll.error?.transient && <FailureNotice failure={poll.error} retrying compact />}
      {!hard && !d && !poll.error && <p class="muted">{t("common.connecting")}</p>}
      {!hard && d && (
        <>
          <section
            class={`live-panel phase-${d.flight_phase}${old ? " stale" : ""}`}
            data-state={old ? "stale" : "live"}
            data-phase={d.flight_phase}
          >
            <div class="ias">
              {old && <span class="stale-tag">{t("live.last_value")}</span>}
              <span class="ias-value" data-testid="ias">
                {speedParts(d.ias).whole}
                <span class="ias-tenth">{speedParts(d.ias).tenth}</span>
              </span>
              <span class="ias-unit">{unitLabel(d.unit)}</span>
            </div>
            <div class="phase" data-testid="phase">
              {PHASE[d.flight_phase].icon()} {t(PHASE[d.flight_phase].text)}
              {d.flight_phase === "landing_hold" && (
                <span class="hold-counter" data-testid="landing-hold">
                  {" "}
                  {d.landing_hold_s} s
                </span>
              )}
            </div>
          </section>
          <dl class="facts">
            <div>
              <dt>{t("live.sensor")}</dt>
              <dd data-sensor={d.sensor.state}>
                {t(SENSOR_STATE[d.sensor.state])} ({d.sensor.source})
                {d.sensor.reason ? ` — ${d.sensor.reason}` : ""}
              </dd>
            </div>
            <div>
              <dt>{t("live.transmitter")}</dt>
              <dd data-tx={d.tx.state}>
                {t(TX_STATE[d.tx.state])}
                {d.tx.reason ? ` — ${d.tx.reason}` : ""}
              </dd>
            </div>
            <div>
              <dt>{t("live.frames_sent")}</dt>
              <dd>
                {d.tx.blocked_duty > 0
                  ? t("live.sent_held_back", { sent: d.tx.sent, held: d.tx.blocked_duty })
                  : d.tx.sent}
              </dd>
            </div>
            <div>
              <dt>{t("live.duty_used")}</dt>
              <dd>{ppmPercent(d.tx.duty_used_ppm)}</dd>
            </div>
          </dl>
          <section class="card">
            <div class="card-head">
              <h2>{t("live.graph_title")}</h2>
              <button type="button" onClick={() => setSamples(EMPTY_SAMPLES)}>
                {t("live.reset_graph")}
              </button>
            </div>
            <IasGraph
              samples={samples}
              emptyNote={t("live.graph_empty")}
              band={
                profile && profile.unit === d.unit
                  ? { min: profile.v_min, opt: profile.v_opt, max: profile.v_max }
                  : null
              }
              unit={unitLabel(d.unit)}
              theme={effective}
            />
          </section>
        </>
      )}
      <p>
        <Link href="/">← {t("page.aircraft_settings")}</Link>
      </p>
    </div>
  );
}
