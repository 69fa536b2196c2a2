import { createLiveFeed, type LiveFeed } from "../core/live-feed.js";
import type { AircraftSnapshot, AircraftState } from "./aircraft-state.js";
import type { TransmitStatus, Transmitter } from "./transmitter.js";

/** The `/api/aircraft/live` document. */
export type AircraftLiveDocument = AircraftSnapshot & { tx: TransmitStatus };

/**
 * The one place the live document is assembled: its live feed (below) calls this for every reader,
 * so what a dashboard on the broker sees is exactly what the unit's own page shows.
 */
export function aircraftLiveDocument(
  state: Pick<AircraftState, "snapshot">,
  transmitter: Pick<Transmitter, "status">,
): AircraftLiveDocument {
  return { ...state.snapshot(), tx: transmitter.status() };
}

/**
 * The aircraft's current `/api/aircraft/live` document for every reader, tagged by `tag` (the API's
 * `liveEtag`: what a viewer sees, so a sample that changes nothing shown is no change).
 */
export function aircraftLiveFeed(
  state: Pick<AircraftState, "snapshot" | "on" | "off">,
  transmitter: Pick<Transmitter, "status">,
  tag: (doc: AircraftLiveDocument) => string,
): LiveFeed<AircraftLiveDocument> {
  return createLiveFeed({
    read: () => {
      const doc = aircraftLiveDocument(state, transmitter);
      return { doc, etag: tag(doc) };
    },
    signals(notify) {
      state.on("sample", notify);
      state.on("phase", notify);
      return () => {
        state.off("sample", notify);
        state.off("phase", notify);
      };
    },
  });
}
