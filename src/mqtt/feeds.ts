import type { AircraftState } from "../aircraft/aircraft-state.js";
import type { AircraftLiveDocument } from "../aircraft/live-document.js";
import type { LiveFeed } from "../core/live-feed.js";
import type { LaunchHistory } from "../winch/history.js";
import { type WinchDocument, winchLiveFeed } from "../winch/live-feed.js";
import type { WinchReceiver } from "../winch/receiver.js";
import type { AircraftFeed, WinchFeed } from "./unit-publisher.js";

/**
 * A winch runtime as MQTT sees it: the runtime's live feed (what `/api/winch` serves and streams), its
 * changes (each shown frame, each link-state change) and the history's launches.
 */
export function winchFeed(
  receiver: WinchReceiver,
  history: LaunchHistory,
  live: LiveFeed<WinchDocument> = winchLiveFeed(receiver, () => history.progress()),
): WinchFeed {
  return {
    mode: "winch",
    snapshot: () => live.current().doc,
    onChange: (fn) => live.onChange(fn),
    onLaunch: (fn) => history.onLaunch(fn),
    staleAfterMs: receiver.stale_after_ms,
  };
}

/**
 * An aircraft runtime as MQTT sees it: the runtime's live feed for the document, but paced by every
 * sample (not only by changes), so a parked aircraft's unchanged document is still republished within
 * Home Assistant's `expire_after`. `staleAfterMs` is the winch's default stale timeout: the aircraft
 * samples far faster than that.
 */
export function aircraftFeed(
  live: Pick<LiveFeed<AircraftLiveDocument>, "current">,
  state: Pick<AircraftState, "on" | "off">,
  staleAfterMs = 1500,
): AircraftFeed {
  return {
    mode: "aircraft",
    live: () => live.current().doc,
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
