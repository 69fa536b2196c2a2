import type { AircraftState } from "../aircraft/aircraft-state.js";
import { aircraftLiveDocument } from "../aircraft/live-document.js";
import type { Transmitter } from "../aircraft/transmitter.js";
import type { LaunchHistory } from "../winch/history.js";
import type { WinchReceiver } from "../winch/receiver.js";
import type { AircraftFeed, WinchFeed } from "./unit-publisher.js";

/** A winch runtime as MQTT sees it: the receiver's snapshot (what `/api/winch` serves) and its events. */
export function winchFeed(receiver: WinchReceiver, history: LaunchHistory): WinchFeed {
  return {
    mode: "winch",
    snapshot: () => receiver.snapshot(),
    onChange(fn) {
      receiver.on("telemetry", fn);
      receiver.on("link", fn);
      return () => {
        receiver.off("telemetry", fn);
        receiver.off("link", fn);
      };
    },
    onLaunch: (fn) => history.onLaunch(fn),
    staleAfterMs: receiver.stale_after_ms,
  };
}

/**
 * An aircraft runtime as MQTT sees it: the `/api/aircraft/live` document, new with every sample.
 * `staleAfterMs` is the winch's default stale timeout: the aircraft samples far faster than that.
 */
export function aircraftFeed(
  state: AircraftState,
  transmitter: Transmitter,
  staleAfterMs = 1500,
): AircraftFeed {
  return {
    mode: "aircraft",
    live: () => aircraftLiveDocument(state, transmitter),
    onChange(fn) {
      state.on("sample", fn);
      state.on("phase", fn);
      return () => {
        state.off("sample", fn);
        state.off("phase", fn);
      };
    },
    staleAfterMs,
  };
}
