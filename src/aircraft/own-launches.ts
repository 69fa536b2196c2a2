import type { LaunchHistory } from "../winch/history.js";
import { zoneFor } from "../winch/launch-trace.js";
import type { AircraftSample, AircraftState } from "./aircraft-state.js";

/**
 * The aircraft unit records its own launches with the winch's recorder: every sample at the full
 * sensor rate, with its phase, so the two sides of one launch can be laid over each other. The sender
 * is the unit itself, so a profile saved mid-flight (new identity or band) never splits a launch.
 */
export function followAircraft(state: AircraftState, history: LaunchHistory): () => void {
  const onSample = (s: AircraftSample) => {
    const p = state.profile;
    const band = { v_min: p.v_min, v_opt: p.v_opt, v_max: p.v_max };
    history.record({
      t_ms: s.t_ms,
      sender: "self",
      registration: p.registration,
      type: p.type,
      unit: s.unit,
      band,
      ias: s.ias,
      zone: zoneFor(s.ias, band),
      phase: s.phase,
      rssi_dbm: null,
      snr_db: null,
      lost: 0,
      verified: true,
    });
  };
  state.on("sample", onSample);
  return () => state.off("sample", onSample);
}
