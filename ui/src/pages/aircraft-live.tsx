import { useEffect, useRef, useState } from "preact/hooks";
import { load } from "../api/client.js";
import type { AircraftProfile, AircraftLive as Live } from "../api/types.js";
import { FailureNotice } from "../components/failure-notice.js";
import { appendSample, EMPTY_SAMPLES, IasGraph, type Samples } from "../components/ias-graph.js";
import { ClockIcon, PlaneIcon, StopIcon } from "../components/icons.js";
import { ppmPercent, speedParts, unitLabel } from "../format.js";
import { useLive } from "../hooks/use-live.js";
import { Link } from "../router.js";
import { useTheme } from "../theme.js";

/** The firmware's AIRCRAFT_MONITOR_POLL_HZ: how often the page polls when it cannot have the stream. */
export const AIRCRAFT_MONITOR_POLL_HZ = 2;
/** Half an hour at 2 Hz; older samples scroll out. */
const GRAPH_SAMPLES = 3600;
/** The stream brings every change (up to the sensor's 20 Hz); the graph keeps one point per this. */
const GRAPH_STEP_MS = 400;

const PHASE = {
  airborne: { icon: PlaneIcon, text: "Airborne" },
  landing_hold: { icon: ClockIcon, text: "Landing hold" },
  landed: { icon: StopIcon, text: "Landed" },
} as const;

/** `/aircraft/live`: IAS and flight phase, pushed (or polled) only while this page is open. */
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
  const lastPoint = useRef(0);
  const poll = useLive<Live>("/api/aircraft/live", AIRCRAFT_MONITOR_POLL_HZ, (r) => {
    const phase = r.data.flight_phase;
    // The graph is a record of one flight: it runs while flying and starts afresh after landing.
    if (phase === "landed") setSamples((s) => (s.t.length ? EMPTY_SAMPLES : s));
    else if (Date.now() - lastPoint.current >= GRAPH_STEP_MS) {
      lastPoint.current = Date.now();
      setSamples((s) => appendSample(s, Date.now() / 1000, r.data.ias, GRAPH_SAMPLES));
    }
  });
  const d = poll.data;
  const hard = poll.error && !poll.error.transient ? poll.error : null;
  const old = !!poll.error;

  return (
    <div class="page aircraft-live">
      <h1>Live airspeed</h1>
      {hard && <FailureNotice failure={hard} />}
      {poll.error?.transient && <FailureNotice failure={poll.error} retrying compact />}
      {!hard && !d && !poll.error && <p class="muted">Connecting…</p>}
      {!hard && d && (
        <>
          <section
            class={`live-panel phase-${d.flight_phase}${old ? " stale" : ""}`}
            data-state={old ? "stale" : "live"}
            data-phase={d.flight_phase}
            data-transport={poll.transport}
          >
            <div class="ias">
              {old && <span class="stale-tag">last value</span>}
              <span class="ias-value" data-testid="ias">
                {speedParts(d.ias).whole}
                <span class="ias-tenth">{speedParts(d.ias).tenth}</span>
              </span>
              <span class="ias-unit">{unitLabel(d.unit)}</span>
            </div>
            <div class="phase" data-testid="phase">
              {PHASE[d.flight_phase].icon()} {PHASE[d.flight_phase].text}
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
              <dt>Sensor</dt>
              <dd data-sensor={d.sensor.state}>
                {d.sensor.state} ({d.sensor.source}){d.sensor.reason ? ` — ${d.sensor.reason}` : ""}
              </dd>
            </div>
            <div>
              <dt>Transmitter</dt>
              <dd data-tx={d.tx.state}>
                {d.tx.state.replace("_", " ")}
                {d.tx.reason ? ` — ${d.tx.reason}` : ""}
              </dd>
            </div>
            <div>
              <dt>Frames sent</dt>
              <dd>
                {d.tx.sent}
                {d.tx.blocked_duty > 0 ? `, ${d.tx.blocked_duty} held back by duty cycle` : ""}
              </dd>
            </div>
            <div>
              <dt>Duty cycle used</dt>
              <dd>{ppmPercent(d.tx.duty_used_ppm)}</dd>
            </div>
          </dl>
          <section class="card">
            <div class="card-head">
              <h2>IAS this flight</h2>
              <button type="button" onClick={() => setSamples(EMPTY_SAMPLES)}>
                Reset graph
              </button>
            </div>
            <IasGraph
              samples={samples}
              emptyNote="The graph records while airborne and in landing hold; it clears on landing."
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
        <Link href="/">← Aircraft settings</Link>
      </p>
    </div>
  );
}
